package dev.dlock.support;

import java.util.List;
import java.util.function.Function;

import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

/**
 * The fair grant rule, for backends that evaluate a queue snapshot on the client (etcd,
 * NATS, memory): a request is granted when no live entry with a smaller ticket has a
 * conflicting mode, whether that entry is granted or waiting.
 *
 * @since 0.1.0
 */
public final class GrantRule {

	private GrantRule() {
	}

	/**
	 * Finds what a request waits for: the latest earlier entry whose mode conflicts with
	 * the requested mode. Waiting for that one entry (rather than all) wakes only the
	 * requests that may now be granted.
	 * @param <E> the entry type
	 * @param earlier the live entries with a smaller ticket, in ticket order
	 * @param requested the requested mode
	 * @param modeOf the mode of an entry
	 * @return the blocking entry, or {@code null} if the request is granted
	 */
	public static <E> @Nullable E blocker(List<? extends E> earlier, LockMode requested,
			Function<? super E, LockMode> modeOf) {
		for (int i = earlier.size() - 1; i >= 0; i--) {
			E entry = earlier.get(i);
			if (!requested.isCompatibleWith(modeOf.apply(entry))) {
				return entry;
			}
		}
		return null;
	}

}
