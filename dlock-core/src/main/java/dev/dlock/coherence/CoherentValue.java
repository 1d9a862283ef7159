package dev.dlock.coherence;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import dev.dlock.DistributedLockException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockValue;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.Durations;
import org.jspecify.annotations.Nullable;

/**
 * A value that this process caches and keeps coherent with every other process that
 * caches or changes it, through one lock key: the recipe of the VMS lock manager
 * (DESIGN.md §12), needing no message bus.
 * <p>
 * {@link #get()} holds the key in {@code PR} while it keeps a copy, so that no writer can
 * change the data meanwhile, and answers from the copy without asking the server. A writer
 * ({@link #update}, here or in any other process) asks for {@code EX}; the copy's blocking
 * listener drops the copy and releases the {@code PR} hold, the writer changes the data and
 * sets the key's value block, whose version then moves. The next {@code get()} takes
 * {@code PR} again and calls the loader only if the version moved since the copy was
 * loaded, or the value is invalid (a writer was lost, and may have changed the data
 * without a new version), or no version is known (the key was never written, or its value
 * passed the backend's retention time).
 * <p>
 * A read therefore never serves data older than the last update that returned before the
 * read began, in any process. The backend must keep value blocks and tell holders what
 * they block ({@link dev.dlock.spi.BackendCapability#VALUE_BLOCKS},
 * {@link dev.dlock.spi.BackendCapability#BLOCKING_NOTIFICATIONS}): memory, Redis, etcd and
 * NATS do. Thread-safe; the holds it takes belong to no thread.
 *
 * @param <T> the type of the value
 * @since 0.1.0
 */
public final class CoherentValue<T> implements AutoCloseable {

	/** How long {@link #get()} and {@link #update} wait for the lock by default. */
	public static final Duration DEFAULT_WAIT_TIME = Duration.ofSeconds(30);

	private static final byte[] NEW_VERSION = new byte[0];

	private final LockManager manager;

	private final String key;

	private final Supplier<? extends T> loader;

	private final LockOptions options;

	/** The copy served without a round trip, while its {@code PR} hold is valid. */
	private final AtomicReference<@Nullable Copy<T>> current = new AtomicReference<>();

	/** One load at a time. */
	private final ReentrantLock loading = new ReentrantLock();

	/** The last copy loaded, kept after it is dropped to compare versions; guarded by {@link #loading}. */
	private @Nullable Copy<T> last;

	private volatile boolean closed;

	private CoherentValue(LockManager manager, String key, Supplier<? extends T> loader, Duration waitTime) {
		this.manager = Objects.requireNonNull(manager, "'manager' must not be null");
		this.key = Objects.requireNonNull(key, "'key' must not be null");
		this.loader = Objects.requireNonNull(loader, "'loader' must not be null");
		this.options = LockOptions.waitTime(Durations.positive(waitTime, "waitTime"));
	}

	/**
	 * A coherent value that waits up to {@link #DEFAULT_WAIT_TIME} for its lock.
	 * @param <T> the type of the value
	 * @param manager the lock manager
	 * @param key the lock key that stands for the data; every process that caches or
	 * changes the data uses the same key
	 * @param loader reads the data from where it lives (a database, a service); called
	 * while the key is held in {@code PR}; must not return {@code null}
	 * @return the coherent value, with nothing cached yet
	 */
	public static <T> CoherentValue<T> of(LockManager manager, String key, Supplier<? extends T> loader) {
		return new CoherentValue<>(manager, key, loader, DEFAULT_WAIT_TIME);
	}

	/**
	 * A coherent value that waits up to {@code waitTime} for its lock.
	 * @param <T> the type of the value
	 * @param manager the lock manager
	 * @param key the lock key that stands for the data
	 * @param waitTime the longest {@link #get()} and {@link #update} wait for the lock
	 * @param loader reads the data; must not return {@code null}
	 * @return the coherent value, with nothing cached yet
	 */
	public static <T> CoherentValue<T> of(LockManager manager, String key, Duration waitTime,
			Supplier<? extends T> loader) {
		return new CoherentValue<>(manager, key, loader, waitTime);
	}

	/**
	 * The lock key that stands for the data.
	 * @return the key
	 */
	public String key() {
		return this.key;
	}

	/**
	 * The value: the cached copy while this process holds the key in {@code PR} (no round
	 * trip), otherwise the copy again or a fresh load, after taking {@code PR} and reading
	 * the key's value block.
	 * @return the value
	 * @throws InterruptedException if interrupted while waiting for the lock
	 * @throws dev.dlock.LockAcquisitionTimeoutException if the lock was not granted in time
	 * @throws dev.dlock.LockBackendException if the backend cannot be reached
	 * @throws IllegalStateException if this coherent value was closed
	 */
	public T get() throws InterruptedException {
		Copy<T> copy = this.current.get();
		if (copy != null && copy.hold().isValid()) {
			return copy.value();
		}
		this.loading.lockInterruptibly();
		try {
			checkOpen();
			copy = this.current.get();
			if (copy != null) {
				if (copy.hold().isValid()) {
					return copy.value();
				}
				drop(copy); // its hold was lost
			}
			return load().value();
		}
		finally {
			this.loading.unlock();
		}
	}

	/**
	 * Changes the data under {@code EX}, so that every process's next {@link #get()} sees
	 * the change: drops this process's copy, waits for the other copies to be dropped,
	 * runs the change, and gives the key's value block a new version, also when the change
	 * fails (it may have changed part of the data).
	 * @param change writes the data where it lives
	 * @throws InterruptedException if interrupted while waiting for the lock
	 * @throws dev.dlock.LockAcquisitionTimeoutException if the lock was not granted in time
	 * @throws dev.dlock.LockBackendException if the backend cannot be reached
	 * @throws IllegalStateException if this coherent value was closed
	 */
	public void update(Runnable change) throws InterruptedException {
		Objects.requireNonNull(change, "'change' must not be null");
		checkOpen();
		Copy<T> mine = this.current.get();
		if (mine != null) {
			drop(mine); // this process's own PR would hold the EX request up until notified
		}
		try (LockHandle writer = acquire(LockMode.EX)) {
			writer.setValue(NEW_VERSION); // written at the release: a new version, whatever the change does
			change.run();
		}
	}

	/** Drops the copy and releases its hold; the next {@link #get()} takes them again. */
	@Override
	public void close() {
		this.closed = true;
		Copy<T> copy = this.current.get();
		if (copy != null) {
			drop(copy);
		}
	}

	private Copy<T> load() throws InterruptedException {
		LockHandle hold = acquire(LockMode.PR);
		try {
			LockValue version = hold.value();
			Copy<T> kept = this.last;
			T value = (kept != null && isCurrent(kept.version(), version)) ? kept.value()
					: Objects.requireNonNull(this.loader.get(), "the loader returned null");
			Copy<T> copy = new Copy<>(hold, value, version);
			this.last = copy;
			this.current.set(copy);
			hold.onBlocking((mode) -> drop(copy));
			if (this.closed) {
				drop(copy);
			}
			return copy;
		}
		catch (RuntimeException | Error ex) {
			hold.release();
			throw ex;
		}
	}

	/**
	 * Whether a copy loaded at {@code loadedAt} is still the data at {@code now}: the same
	 * known version, valid then and now.
	 */
	private static boolean isCurrent(LockValue loadedAt, LockValue now) {
		return loadedAt.valid() && now.valid() && now.version() != 0 && now.version() == loadedAt.version();
	}

	private void drop(Copy<T> copy) {
		if (this.current.compareAndSet(copy, null)) {
			copy.hold().release();
		}
	}

	private LockHandle acquire(LockMode mode) throws InterruptedException {
		// asynchronous, so that the hold belongs to no thread and never mixes with a
		// re-entrant hold of the caller's
		CompletableFuture<LockHandle> pending = this.manager.acquireAsync(this.key, mode, this.options);
		try {
			return pending.get();
		}
		catch (InterruptedException ex) {
			pending.cancel(false); // a grant made meanwhile is released by the manager
			throw ex;
		}
		catch (ExecutionException | CancellationException ex) {
			DistributedLockException failure = AsyncFailures.toLockException(ex,
					"Acquiring lock '" + this.key + "' in " + mode);
			throw failure;
		}
	}

	private void checkOpen() {
		if (this.closed) {
			throw new IllegalStateException("The coherent value of lock '" + this.key + "' is closed");
		}
	}

	@Override
	public String toString() {
		return "CoherentValue[key=" + this.key + "]";
	}

	/** A loaded copy, the hold that keeps it current, and the version it was loaded at. */
	private record Copy<T>(LockHandle hold, T value, LockValue version) {
	}

}
