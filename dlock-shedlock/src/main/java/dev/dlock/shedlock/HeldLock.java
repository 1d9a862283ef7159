package dev.dlock.shedlock;

import java.time.Duration;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.support.TimeSource;

/**
 * One dlock grant taken for ShedLock, shared by the {@link ShedLockGrant} that took it and
 * those that extended it, with the one timer that releases it: at {@code lockAtMostFor}
 * while it is held, at {@code lockAtLeastFor} once it is unlocked.
 */
final class HeldLock {

	private final LockHandle handle;

	private final TimeSource time;

	private final Consumer<HeldLock> onRelease;

	/** When {@code lockAtLeastFor} has passed, on the monotonic clock. */
	private long keptUntil;

	/** When {@code lockAtMostFor} has passed, on the monotonic clock. */
	private long heldUntil;

	/** When the timer releases the lock; a timer that fires for another time does nothing. */
	private long due;

	private TimeSource.Cancellable timer = () -> {
	};

	private boolean released;

	HeldLock(LockHandle handle, TimeSource time, Consumer<HeldLock> onRelease) {
		this.handle = handle;
		this.time = time;
		this.onRelease = onRelease;
	}

	LockHandle handle() {
		return this.handle;
	}

	synchronized boolean isReleased() {
		return this.released;
	}

	synchronized void start(long from, Duration lockAtMostFor, Duration lockAtLeastFor) {
		this.keptUntil = from + lockAtLeastFor.toNanos();
		this.heldUntil = from + lockAtMostFor.toNanos();
		releaseAt(this.heldUntil);
	}

	/**
	 * Starts both durations again from now, unless the lock has ended.
	 * @return whether the lock was extended
	 */
	synchronized boolean extend(Duration lockAtMostFor, Duration lockAtLeastFor) {
		long now = this.time.nanoTime();
		if (this.released || now - this.heldUntil >= 0 || !this.handle.isValid()) {
			release();
			return false;
		}
		start(now, lockAtMostFor, lockAtLeastFor);
		return true;
	}

	/**
	 * Releases the lock now, or once {@code lockAtLeastFor} has passed.
	 */
	synchronized void unlock() {
		if (!this.released) {
			releaseAt(this.keptUntil);
		}
	}

	/**
	 * Releases the grant now. Idempotent.
	 */
	synchronized void release() {
		if (this.released) {
			return;
		}
		this.released = true;
		this.timer.cancel();
		this.handle.release();
		this.onRelease.accept(this);
	}

	private void releaseAt(long deadline) {
		this.timer.cancel();
		this.due = deadline;
		long delay = deadline - this.time.nanoTime();
		if (delay <= 0) {
			release();
		}
		else {
			this.timer = this.time.schedule(Duration.ofNanos(delay), () -> releaseIfDue(deadline));
		}
	}

	private synchronized void releaseIfDue(long deadline) {
		// a timer can start just before an extension reschedules it
		if (deadline == this.due) {
			release();
		}
	}

}
