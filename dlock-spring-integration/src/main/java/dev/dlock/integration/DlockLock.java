package dev.dlock.integration;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.jspecify.annotations.Nullable;

import org.springframework.integration.support.locks.DistributedLock;

/**
 * A view of one key and mode in a {@link DlockLockRegistry}: it takes locks from the lock
 * manager and records them as held by the calling thread in the registry.
 */
final class DlockLock implements DistributedLock {

	/** How long {@code lock()} waits: for ever, in practice (292 years). */
	private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

	private final LockManager lockManager;

	private final DlockLockRegistry registry;

	private final String key;

	private final LockMode mode;

	DlockLock(LockManager lockManager, DlockLockRegistry registry, String key, LockMode mode) {
		this.lockManager = lockManager;
		this.registry = registry;
		this.key = key;
		this.mode = mode;
	}

	@Override
	public void lock() {
		lockUninterruptibly(options(FOREVER, null));
	}

	@Override
	public void lock(Duration ttl) {
		lockUninterruptibly(options(FOREVER, ttl));
	}

	@Override
	public void lockInterruptibly() throws InterruptedException {
		hold(this.lockManager.acquire(this.key, this.mode, options(FOREVER, null)));
	}

	@Override
	public boolean tryLock() {
		Optional<LockHandle> handle = this.lockManager.tryAcquire(this.key, this.mode);
		handle.ifPresent(this::hold);
		return handle.isPresent();
	}

	@Override
	public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
		return tryLock(options(Duration.ofNanos(Math.max(0, unit.toNanos(time))), null));
	}

	@Override
	public boolean tryLock(Duration waitTime, Duration ttl) throws InterruptedException {
		return tryLock(options(waitTime, ttl));
	}

	@Override
	public void unlock() {
		this.registry.release(this.key, this.mode);
	}

	/**
	 * Not supported: a condition would need a distributed wait queue.
	 * @throws UnsupportedOperationException always
	 */
	@Override
	public Condition newCondition() {
		throw new UnsupportedOperationException("dlock's locks do not support conditions");
	}

	private void lockUninterruptibly(LockOptions options) {
		boolean interrupted = false;
		try {
			while (true) {
				try {
					hold(this.lockManager.acquire(this.key, this.mode, options));
					return;
				}
				catch (InterruptedException ex) {
					// as ReentrantLock.lock(): keep waiting, and keep the interrupt for the caller
					interrupted = true;
				}
			}
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private boolean tryLock(LockOptions options) throws InterruptedException {
		try {
			hold(this.lockManager.acquire(this.key, this.mode, options));
			return true;
		}
		catch (LockAcquisitionTimeoutException ex) {
			return false;
		}
	}

	private void hold(LockHandle handle) {
		this.registry.hold(this.key, this.mode, handle);
	}

	private static LockOptions options(Duration waitTime, @Nullable Duration ttl) {
		return new LockOptions(waitTime, ttl);
	}

	@Override
	public String toString() {
		return "DlockLock [" + this.key + ", " + this.mode + "]";
	}

}
