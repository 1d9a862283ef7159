package dev.dlock.shedlock;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.support.TimeSource;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.jspecify.annotations.Nullable;

/**
 * A ShedLock {@link ExtensibleLockProvider} that takes ShedLock's locks as {@link LockMode#EX}
 * locks of a dlock {@link LockManager}, keyed by the lock name.
 * <p>
 * ShedLock's semantics are kept:
 * <ul>
 * <li>{@link #lock} never waits: a lock held elsewhere gives an empty result, and the
 * request leaves no trace on the backend. It is not re-entrant: a second {@code lock} of
 * a held name gives an empty result, also on the thread that holds it.</li>
 * <li>{@code lockAtMostFor} bounds the hold: the lock is released when it has passed, even
 * if the task still runs. Meanwhile the lock manager renews the lock's lease, so a crashed
 * holder's lock is freed after the manager's lease time instead.</li>
 * <li>{@code lockAtLeastFor} is kept after {@link SimpleLock#unlock()}: the lock is released
 * when it has passed since the lock was taken. It is kept by this process, so a process
 * that ends meanwhile frees the lock when its lease runs out.</li>
 * <li>{@link SimpleLock#extend} starts both times again from now, on the same grant (the
 * fencing token stays); it gives an empty result once {@code lockAtMostFor} has passed or
 * the lock was lost.</li>
 * </ul>
 * In the task, {@link #currentHandle()} gives the lock's dlock handle, with its fencing
 * token.
 * <p>
 * Both durations are measured on this process's monotonic clock from the moment the lock
 * was asked for; ShedLock's wall-clock instants ({@code lockAtMostUntil}) are not used.
 * <p>
 * Thread-safe. {@link #close()} releases the locks it still keeps for
 * {@code lockAtLeastFor} or until {@code lockAtMostFor}; it does not close the lock manager.
 *
 * @since 0.1.0
 */
public final class DlockLockProvider implements ExtensibleLockProvider, AutoCloseable {

	/** The locks taken on each thread and not yet unlocked, the latest first. */
	private static final ThreadLocal<@Nullable Deque<HeldLock>> taken = new ThreadLocal<>();

	private final LockManager lockManager;

	private final TimeSource time;

	private final TimeSource.@Nullable Owned ownedTime;

	private final Set<HeldLock> held = ConcurrentHashMap.newKeySet();

	/**
	 * Creates a provider with its own timer thread, stopped by {@link #close()}.
	 * @param lockManager the lock manager that takes the locks
	 */
	public DlockLockProvider(LockManager lockManager) {
		this(lockManager, TimeSource.system("dlock-shedlock-timer"), true);
	}

	/**
	 * Creates a provider that measures time and schedules releases on the given time source.
	 * @param lockManager the lock manager that takes the locks
	 * @param time the clock and timer; the provider does not close it
	 */
	public DlockLockProvider(LockManager lockManager, TimeSource time) {
		this(lockManager, time, false);
	}

	private DlockLockProvider(LockManager lockManager, TimeSource time, boolean ownsTime) {
		this.lockManager = Objects.requireNonNull(lockManager, "'lockManager' must not be null");
		this.time = Objects.requireNonNull(time, "'time' must not be null");
		this.ownedTime = ownsTime ? (TimeSource.Owned) time : null;
	}

	/**
	 * Takes the lock named in the configuration if nobody holds it, without waiting.
	 * @param lockConfiguration the name and the two durations
	 * @return the lock, or empty if it is held, by this process or another
	 * @throws dev.dlock.LockBackendException if the backend failed
	 */
	@Override
	public Optional<SimpleLock> lock(LockConfiguration lockConfiguration) {
		long askedAt = this.time.nanoTime();
		LockHandle handle;
		try {
			// asynchronous: the manager's re-entrancy is per thread, and ShedLock's locks are not re-entrant
			handle = this.lockManager.acquireAsync(lockConfiguration.getName(), LockMode.EX, LockOptions.noWait())
				.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof LockAcquisitionTimeoutException) {
				return Optional.empty();
			}
			throw (ex.getCause() instanceof RuntimeException cause) ? cause : ex;
		}
		HeldLock lock = new HeldLock(handle, this.time, this.held::remove);
		this.held.add(lock);
		lock.start(askedAt, lockConfiguration.getLockAtMostFor(), lockConfiguration.getLockAtLeastFor());
		Deque<HeldLock> locks = taken.get();
		if (locks == null) {
			locks = new ArrayDeque<>();
			taken.set(locks);
		}
		// a lock released by its timer and never unlocked is dropped here
		locks.removeIf(HeldLock::isReleased);
		locks.push(lock);
		return Optional.of(new ShedLockGrant(lock));
	}

	/**
	 * The dlock handle of the ShedLock lock taken last on this thread and still held:
	 * in a {@code @SchedulerLock} method, the method's lock. Its
	 * {@link LockHandle#fencingToken() fencing token} lets a resource reject the writes of
	 * a holder that was paused past its lock; an extension keeps the token.
	 * @return the handle, or empty outside a ShedLock lock of a {@code DlockLockProvider}
	 */
	public static Optional<LockHandle> currentHandle() {
		Deque<HeldLock> locks = taken.get();
		if (locks == null) {
			return Optional.empty();
		}
		return locks.stream().filter((lock) -> !lock.isReleased()).findFirst().map(HeldLock::handle);
	}

	/** Called on unlock: ShedLock unlocks on the thread that locked. */
	static void unlocked(HeldLock lock) {
		Deque<HeldLock> locks = taken.get();
		if (locks != null && locks.remove(lock) && locks.isEmpty()) {
			taken.remove();
		}
	}

	/**
	 * Releases every lock this provider still keeps and stops its own timer thread, if it
	 * has one. Idempotent.
	 */
	@Override
	public void close() {
		this.held.forEach(HeldLock::release);
		if (this.ownedTime != null) {
			this.ownedTime.close();
		}
	}

}
