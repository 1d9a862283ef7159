package dev.dlock.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * The grants each thread acquired by key, for re-entrant holds. A map rather than a
 * thread-local, because a handle may be released from another thread.
 */
final class ThreadHolds {

	private final Map<Holder, Grant> grants = new ConcurrentHashMap<>();

	@Nullable Grant find(Thread thread, String key) {
		return this.grants.get(new Holder(thread, key));
	}

	void put(Thread thread, Grant grant) {
		grant.holderThread(thread);
		this.grants.put(new Holder(thread, grant.key()), grant);
	}

	void remove(Grant grant) {
		Thread thread = grant.holderThread();
		if (thread != null) {
			this.grants.remove(new Holder(thread, grant.key()), grant);
		}
	}

	private record Holder(Thread thread, String key) {
	}

}
