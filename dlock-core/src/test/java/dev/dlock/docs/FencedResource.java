package dev.dlock.docs;

import java.util.EnumMap;
import java.util.Map;

import dev.dlock.LockMode;

// tag::example[]
/** Kept by the protected resource, per key: the highest token seen from each lock mode. */
final class FencedResource {

	private final Map<LockMode, Long> highestTokens = new EnumMap<>(LockMode.class);

	synchronized void write(LockMode mode, long token, Runnable change) {
		for (LockMode conflicting : mode.conflictingModes()) {
			Long highest = this.highestTokens.get(conflicting);
			if (highest != null && token < highest) { // a conflicting holder came later: this lock has ended
				throw new IllegalStateException("stale " + mode + " holder: token " + token + " < " + highest);
			}
		}
		this.highestTokens.merge(mode, token, Math::max);
		change.run();
	}

}
// end::example[]
