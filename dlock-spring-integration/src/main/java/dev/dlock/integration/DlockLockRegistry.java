package dev.dlock.integration;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ConcurrentModificationException;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * A Spring Integration lock registry whose locks are dlock locks: {@link #obtain(Object)}
 * gives an {@link LockMode#EX} lock, {@link #obtain(Object, LockMode)} a lock in any mode.
 * <p>
 * The locks keep the {@link java.util.concurrent.locks.Lock} contract as Spring
 * Integration's own registries do: {@code lock()} waits without end and is not
 * interruptible (an interrupt is kept for after), {@code lockInterruptibly()} and
 * {@code tryLock} with a time are interruptible, {@code tryLock()} does not wait. A lock is
 * owned by the thread that took it: it is re-entrant on that thread (a thread that holds a
 * key in a mode may take it again in a mode that mode covers), and {@code unlock()} on any
 * other thread throws {@link IllegalStateException}; asking for a stronger mode than the
 * thread holds throws {@link dev.dlock.InvalidLockRequestException} at once instead of
 * waiting for itself. Conditions are not supported.
 * <p>
 * While a lock is held, the lock manager renews its lease in the background, so a holder
 * that crashes frees the lock within one lease time and a live one keeps it. If the lock was
 * lost meanwhile (its lease could not be renewed, or the lock manager was closed),
 * {@code unlock()} forgets it and throws
 * {@link ConcurrentModificationException}, as Spring Integration's registries do when a
 * lock expired in the store. {@link DistributedLock}'s {@code ttl} is the lock's lease
 * time.
 * <p>
 * Locks are not cached: {@code obtain} returns a new view each time, and what a thread
 * holds is kept per thread in the registry, so any view of the same key and mode unlocks
 * it. Thread-safe.
 *
 * @since 0.1.0
 */
public final class DlockLockRegistry implements RenewableLockRegistry<DistributedLock> {

	private final LockManager lockManager;

	/** The handles each thread holds, per key and mode, the latest first; none when it holds nothing. */
	private final ThreadLocal<@Nullable Map<HeldKey, Deque<LockHandle>>> held = new ThreadLocal<>();

	/**
	 * Creates a registry.
	 * @param lockManager the lock manager that takes the locks; the registry does not close
	 * it
	 */
	public DlockLockRegistry(LockManager lockManager) {
		this.lockManager = Objects.requireNonNull(lockManager, "'lockManager' must not be null");
	}

	/**
	 * An exclusive lock on a key.
	 * @param lockKey the key, a {@link String}
	 * @return the lock
	 * @throws IllegalArgumentException if the key is not a string
	 */
	@Override
	public DistributedLock obtain(Object lockKey) {
		return obtain(lockKey, LockMode.EX);
	}

	/**
	 * A lock on a key in a given mode: {@code PR} locks of several threads or processes are
	 * held together, and each excludes {@code EX}, as {@link LockMode} says.
	 * @param lockKey the key, a {@link String}
	 * @param mode the mode
	 * @return the lock
	 * @throws IllegalArgumentException if the key is not a string
	 */
	public DistributedLock obtain(Object lockKey, LockMode mode) {
		if (!(lockKey instanceof String key)) {
			throw new IllegalArgumentException("'lockKey' must be a String, not " + lockKey);
		}
		return new DlockLock(this.lockManager, this, key, Objects.requireNonNull(mode, "'mode' must not be null"));
	}

	/**
	 * Checks that the current thread holds the key and that its lease is alive. The lock
	 * manager renews the lease of every held lock on its own, so there is nothing else to do.
	 * @param lockKey the key
	 * @throws IllegalStateException if the current thread does not hold the key, or lost it
	 */
	@Override
	public void renewLock(Object lockKey) {
		Map<HeldKey, Deque<LockHandle>> holds = this.held.get();
		if (holds != null) {
			for (Map.Entry<HeldKey, Deque<LockHandle>> hold : holds.entrySet()) {
				if (hold.getKey().key().equals(lockKey)) {
					if (!hold.getValue().element().isValid()) {
						throw new IllegalStateException("The lock at " + lockKey + " was lost: could not renew it");
					}
					return;
				}
			}
		}
		throw new IllegalStateException("You do not own the lock at " + lockKey);
	}

	/**
	 * As {@link #renewLock(Object)}: the lease time of a held lock is the one it was taken
	 * with ({@link DistributedLock#lock(Duration)}), renewed in the background, and is not
	 * changed here.
	 * @param lockKey the key
	 * @param ttl ignored, but must be positive
	 * @throws IllegalStateException if the current thread does not hold the key, or lost it
	 */
	@Override
	public void renewLock(Object lockKey, Duration ttl) {
		if (ttl.isNegative() || ttl.isZero()) {
			throw new IllegalArgumentException("'ttl' must be positive");
		}
		renewLock(lockKey);
	}

	void hold(String key, LockMode mode, LockHandle handle) {
		Map<HeldKey, Deque<LockHandle>> holds = this.held.get();
		if (holds == null) {
			holds = new HashMap<>();
			this.held.set(holds);
		}
		holds.computeIfAbsent(new HeldKey(key, mode), (heldKey) -> new ArrayDeque<>()).push(handle);
	}

	void release(String key, LockMode mode) {
		Map<HeldKey, Deque<LockHandle>> holds = this.held.get();
		HeldKey heldKey = new HeldKey(key, mode);
		Deque<LockHandle> handles = (holds != null) ? holds.get(heldKey) : null;
		if (holds == null || handles == null) {
			throw new IllegalStateException("You do not own the lock at " + key + " (" + mode + ")");
		}
		LockHandle handle = handles.pop();
		if (handles.isEmpty()) {
			holds.remove(heldKey);
			if (holds.isEmpty()) {
				this.held.remove();
			}
		}
		boolean lost = !handle.isValid();
		handle.release();
		if (lost) {
			throw new ConcurrentModificationException("The lock at " + key + " was lost before it was unlocked: "
					+ "the integrity of data protected by this lock may have been compromised");
		}
	}

	private record HeldKey(String key, LockMode mode) {
	}

}
