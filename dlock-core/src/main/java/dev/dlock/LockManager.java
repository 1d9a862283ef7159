package dev.dlock;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Acquires locks on a backend: blocking with a wait time, without waiting, or
 * asynchronously.
 * <p>
 * Requests on one key are granted in the order they reach the backend: a request waits
 * while any earlier live request on the key has a conflicting mode, whether that request
 * is granted or still waiting, so a writer is never starved by a stream of readers.
 * <p>
 * A thread that holds a key in a mode that {@linkplain LockMode#covers(LockMode) covers}
 * the mode it asks for again gets a counted re-entrant hold at once, with the same fencing
 * token; asking for a stronger mode on a key the thread holds throws
 * {@link InvalidLockRequestException} instead of waiting for itself. Re-entrancy applies to
 * {@link #acquire} and {@link #tryAcquire}; {@link #acquireAsync} always makes a new
 * request.
 * <p>
 * Thread-safe. Closing the manager releases every lock it holds and cancels every request
 * that waits.
 *
 * @since 0.1.0
 */
public interface LockManager extends AutoCloseable {

	/**
	 * Acquires a lock, waiting up to the options' wait time.
	 * @param key the lock key: any non-empty, well-formed Unicode string of at most 1,024
	 * UTF-8 bytes ({@link dev.dlock.support.KeyCodec#MAX_KEY_BYTES})
	 * @param mode the mode
	 * @param options wait and lease time
	 * @return the granted lock
	 * @throws LockAcquisitionTimeoutException if the wait time ran out; the request was
	 * withdrawn
	 * @throws InterruptedException if the thread was interrupted while waiting; the
	 * request was withdrawn
	 * @throws LockBackendException if the backend failed
	 * @throws InvalidLockRequestException for a bad key or a self-deadlocking upgrade
	 */
	LockHandle acquire(String key, LockMode mode, LockOptions options) throws InterruptedException;

	/**
	 * Acquires a lock, waiting up to {@code waitTime}, with the default lease.
	 * @param key the lock key
	 * @param mode the mode
	 * @param waitTime how long to wait
	 * @return the granted lock
	 * @throws LockAcquisitionTimeoutException if the wait time ran out
	 * @throws InterruptedException if the thread was interrupted while waiting
	 * @see #acquire(String, LockMode, LockOptions)
	 */
	default LockHandle acquire(String key, LockMode mode, Duration waitTime) throws InterruptedException {
		return acquire(key, mode, LockOptions.waitTime(waitTime));
	}

	/**
	 * Acquires a lock only if it can be granted at once. A request that would have to wait
	 * leaves no trace on the backend.
	 * @param key the lock key
	 * @param mode the mode
	 * @param options the lease time (the wait time is ignored)
	 * @return the granted lock, or empty if the key is busy
	 * @throws LockBackendException if the backend failed
	 */
	Optional<LockHandle> tryAcquire(String key, LockMode mode, LockOptions options);

	/**
	 * Acquires a lock only if it can be granted at once, with the default lease.
	 * @param key the lock key
	 * @param mode the mode
	 * @return the granted lock, or empty if the key is busy
	 */
	default Optional<LockHandle> tryAcquire(String key, LockMode mode) {
		return tryAcquire(key, mode, LockOptions.noWait());
	}

	/**
	 * Acquires a lock without blocking the calling thread. The future completes with the
	 * handle, or exceptionally with {@link LockAcquisitionTimeoutException} or
	 * {@link LockBackendException}: at once when the backend decides on the calling thread,
	 * otherwise on the callback executor ({@link dev.dlock.engine.LockManagerBuilder#callbackExecutor}), never
	 * on a backend client's I/O thread.
	 * Cancelling the future withdraws the request; a lock granted after cancellation is
	 * released.
	 * @param key the lock key
	 * @param mode the mode
	 * @param options wait and lease time
	 * @return the future handle
	 */
	CompletableFuture<LockHandle> acquireAsync(String key, LockMode mode, LockOptions options);

	/**
	 * Runs {@code task} while holding the lock and releases it afterwards, also when the
	 * task throws.
	 * @param <T> the result type
	 * @param key the lock key
	 * @param mode the mode
	 * @param options wait and lease time
	 * @param task the work to do under the lock
	 * @return what the task returned
	 * @throws Exception what the task threw, or what {@link #acquire} throws
	 */
	default <T> T callWithLock(String key, LockMode mode, LockOptions options, Callable<T> task) throws Exception {
		return callWithLock(key, mode, options, OnLockLost.CONTINUE, task);
	}

	/**
	 * Runs {@code task} on the calling thread while holding the lock and releases it
	 * afterwards, also when the task throws; {@code onLost} says what the task is told if
	 * the lock is lost while it runs. With {@link OnLockLost#INTERRUPT} the thread is
	 * interrupted on loss and this call throws {@link LockLostException}; the interrupt is
	 * cleared before it returns.
	 * @param <T> the result type
	 * @param key the lock key
	 * @param mode the mode
	 * @param options wait and lease time
	 * @param onLost what a loss while the task runs does
	 * @param task the work to do under the lock
	 * @return what the task returned
	 * @throws LockLostException with {@link OnLockLost#INTERRUPT}, if the lock was lost
	 * while the task ran
	 * @throws Exception what the task threw, or what {@link #acquire} throws
	 * @since 0.1.0
	 */
	default <T> T callWithLock(String key, LockMode mode, LockOptions options, OnLockLost onLost, Callable<T> task)
			throws Exception {
		try (LockHandle handle = acquire(key, mode, options)) {
			return onLost.call(handle, task::call);
		}
	}

	/**
	 * The locks this manager holds and the requests it waits for. Never blocks and asks
	 * the backend nothing.
	 * @return a snapshot, held locks first
	 */
	List<LockInfo> locks();

	/**
	 * Releases every held lock, withdraws every waiting request and ends the backend
	 * sessions. Waits a bounded time for the backend to confirm. Idempotent.
	 */
	@Override
	void close();

}
