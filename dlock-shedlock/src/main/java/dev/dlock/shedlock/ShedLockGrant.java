package dev.dlock.shedlock;

import java.time.Duration;
import java.util.Optional;

import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * What {@link DlockLockProvider} hands to ShedLock: valid until it is unlocked or
 * extended, after which both throw {@link IllegalStateException}, as ShedLock's own locks
 * do.
 */
final class ShedLockGrant implements SimpleLock {

	private final HeldLock lock;

	/** Guarded by {@link #lock}, which extensions of this grant share. */
	private boolean valid = true;

	ShedLockGrant(HeldLock lock) {
		this.lock = lock;
	}

	@Override
	public void unlock() {
		synchronized (this.lock) {
			checkValid();
			this.valid = false;
			this.lock.unlock();
			DlockLockProvider.unlocked(this.lock);
		}
	}

	@Override
	public Optional<SimpleLock> extend(Duration lockAtMostFor, Duration lockAtLeastFor) {
		synchronized (this.lock) {
			checkValid();
			if (!this.lock.extend(lockAtMostFor, lockAtLeastFor)) {
				return Optional.empty();
			}
			this.valid = false;
			return Optional.of(new ShedLockGrant(this.lock));
		}
	}

	private void checkValid() {
		if (!this.valid) {
			throw new IllegalStateException("This lock was already unlocked or extended");
		}
	}

}
