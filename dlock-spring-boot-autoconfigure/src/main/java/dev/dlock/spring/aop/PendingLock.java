package dev.dlock.spring.aop;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dlock.LockHandle;

/**
 * An asynchronous acquisition whose lock reaches exactly one owner: the guarded call that
 * claims it, or a release when the caller gave up first. Reactive operators may drop a
 * value that arrives while the subscriber cancels (without telling a discard hook), so the
 * grant of a cancelled subscription is given back here, not left to the operators.
 */
final class PendingLock {

	private final CompletableFuture<LockHandle> acquiring;

	private final AtomicBoolean settled = new AtomicBoolean();

	PendingLock(CompletableFuture<LockHandle> acquiring) {
		this.acquiring = acquiring;
	}

	CompletableFuture<LockHandle> acquiring() {
		return this.acquiring;
	}

	/**
	 * Takes the granted lock for the call, which then releases it.
	 * @return {@code false} if the caller gave up first: the lock is released already
	 */
	boolean claim() {
		return this.settled.compareAndSet(false, true);
	}

	/**
	 * Gives up, unless the call claimed the lock: the lock, whether granted already or
	 * later, is released.
	 */
	void abandon() {
		if (this.settled.compareAndSet(false, true)) {
			this.acquiring.cancel(false); // a grant that loses this race is released by the manager
			this.acquiring.thenAccept(HeldLocks::releaseQuietly);
		}
	}

}
