package dev.dlock.spring.aop;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.support.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases the locks of guarded methods, keeping each at least its minimum hold time
 * after it was acquired. A release that comes too early is deferred to a timer, so that
 * the caller never waits for it.
 */
final class HeldLocks {

	private static final Logger logger = LoggerFactory.getLogger(HeldLocks.class);

	private final TimeSource time;

	private final Set<HeldLock> deferred = ConcurrentHashMap.newKeySet();

	HeldLocks(TimeSource time) {
		this.time = time;
	}

	/**
	 * Starts tracking a lock that was just acquired.
	 * @param handle the lock
	 * @param minHoldTime how long after now the lock stays held at least
	 * @return the held lock, to release once
	 */
	HeldLock hold(LockHandle handle, Duration minHoldTime) {
		return new HeldLock(handle, this.time.nanoTime() + minHoldTime.toNanos());
	}

	/**
	 * Releases at once every lock whose release was deferred (on shutdown). Locks that the
	 * lock manager already gave back when it closed are skipped.
	 */
	void releaseDeferred() {
		for (HeldLock held : List.copyOf(this.deferred)) {
			if (this.deferred.remove(held) && held.handle.isValid()) {
				held.releaseHandle();
			}
		}
	}

	/**
	 * Releases a lock without throwing: a failed release is logged, and the lease ends the
	 * lock on the server.
	 * @param handle the lock
	 */
	static void releaseQuietly(LockHandle handle) {
		try {
			handle.release();
		}
		catch (RuntimeException ex) {
			logger.warn("Releasing lock '{}' failed; its lease will expire", handle.key(), ex);
		}
	}

	/**
	 * The loss of a lock, as a future that the caller may drop once its call ended.
	 * @param handle the lock
	 * @return completes with the loss, on the lock manager's callback executor, if the lock
	 * is lost; never completes otherwise
	 */
	static CompletableFuture<LockLostException> loss(LockHandle handle) {
		CompletableFuture<LockLostException> loss = new CompletableFuture<>();
		handle.onLost(loss::complete);
		return loss;
	}

	/**
	 * A lock held by one call of a guarded method. Released once, from any thread.
	 */
	final class HeldLock {

		private final LockHandle handle;

		private final long holdUntil;

		private final AtomicBoolean released = new AtomicBoolean();

		private HeldLock(LockHandle handle, long holdUntil) {
			this.handle = handle;
			this.holdUntil = holdUntil;
		}

		LockHandle handle() {
			return this.handle;
		}

		/**
		 * Gives the lock back, now or when its minimum hold time is over. Idempotent,
		 * never blocks and never throws.
		 */
		void release() {
			if (!this.released.compareAndSet(false, true)) {
				return;
			}
			long remaining = this.holdUntil - HeldLocks.this.time.nanoTime();
			if (remaining <= 0) {
				releaseHandle();
				return;
			}
			HeldLocks.this.deferred.add(this);
			HeldLocks.this.time.schedule(Duration.ofNanos(remaining), this::releaseNow);
		}

		private void releaseNow() {
			if (HeldLocks.this.deferred.remove(this)) {
				releaseHandle();
			}
		}

		private void releaseHandle() {
			releaseQuietly(this.handle);
		}

	}

}
