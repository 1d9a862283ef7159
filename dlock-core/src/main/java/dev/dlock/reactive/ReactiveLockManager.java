package dev.dlock.reactive;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Locks as Reactor publishers, on top of a {@link LockManager}'s asynchronous methods: no
 * call blocks a thread, each request starts when the publisher is subscribed to, and
 * cancelling the subscription while the request waits withdraws it from the backend.
 * <p>
 * A handle that the backend grants is either passed to the subscriber or, when the
 * subscriber cancelled first, released: a cancellation that races a grant never leaves
 * the lock held. Once the subscriber has the handle it owns it and must release it;
 * {@link #usingLock} does that on completion, error and cancellation.
 * <p>
 * There is no re-entrancy (a reactive pipeline is not tied to a thread): every acquisition
 * is a new request, as with {@link LockManager#acquireAsync}. Thread-safe.
 *
 * @since 0.1.0
 */
public interface ReactiveLockManager {

	/**
	 * The wait time {@link #of(LockManager)} gives {@link #usingLock(String, LockMode, Function)}:
	 * 10 seconds, as {@code dlock.wait-time} in Spring Boot.
	 */
	Duration DEFAULT_WAIT_TIME = Duration.ofSeconds(10);

	/**
	 * A reactive face for {@code lockManager}, whose {@code usingLock} without options
	 * waits up to {@link #DEFAULT_WAIT_TIME} with the manager's default lease.
	 * @param lockManager the manager that does the work; closing it is the caller's job
	 * @return the reactive lock manager
	 */
	static ReactiveLockManager of(LockManager lockManager) {
		return of(lockManager, LockOptions.waitTime(DEFAULT_WAIT_TIME));
	}

	/**
	 * A reactive face for {@code lockManager}.
	 * @param lockManager the manager that does the work; closing it is the caller's job
	 * @param defaults the wait and lease time of
	 * {@link #usingLock(String, LockMode, Function)}
	 * @return the reactive lock manager
	 */
	static ReactiveLockManager of(LockManager lockManager, LockOptions defaults) {
		Objects.requireNonNull(lockManager, "'lockManager' must not be null");
		Objects.requireNonNull(defaults, "'defaults' must not be null");
		return new DefaultReactiveLockManager(lockManager, defaults);
	}

	/**
	 * Acquires a lock when subscribed to, waiting up to the options' wait time.
	 * Cancelling the subscription while the request waits withdraws it from the backend;
	 * a lock granted as the cancellation arrives is released.
	 * @param key the lock key
	 * @param mode the mode
	 * @param options wait and lease time
	 * @return emits the granted lock, or fails with
	 * {@link dev.dlock.LockAcquisitionTimeoutException} when the wait time ran out (the
	 * request withdrawn), {@link dev.dlock.LockBackendException} or
	 * {@link dev.dlock.InvalidLockRequestException}
	 */
	Mono<LockHandle> acquire(String key, LockMode mode, LockOptions options);

	/**
	 * Acquires a lock when subscribed to, waiting up to {@code waitTime} with the default
	 * lease.
	 * @param key the lock key
	 * @param mode the mode
	 * @param waitTime how long to wait
	 * @return emits the granted lock
	 * @see #acquire(String, LockMode, LockOptions)
	 */
	default Mono<LockHandle> acquire(String key, LockMode mode, Duration waitTime) {
		return acquire(key, mode, LockOptions.waitTime(waitTime));
	}

	/**
	 * Acquires a lock when subscribed to, only if it can be granted at once. A request
	 * that would have to wait leaves no trace on the backend.
	 * @param key the lock key
	 * @param mode the mode
	 * @param options the lease time (the wait time is ignored)
	 * @return emits the granted lock, or completes empty when the key is busy
	 */
	Mono<LockHandle> tryAcquire(String key, LockMode mode, LockOptions options);

	/**
	 * Acquires a lock when subscribed to, only if it can be granted at once, with the
	 * default lease.
	 * @param key the lock key
	 * @param mode the mode
	 * @return emits the granted lock, or completes empty when the key is busy
	 */
	default Mono<LockHandle> tryAcquire(String key, LockMode mode) {
		return tryAcquire(key, mode, LockOptions.noWait());
	}

	/**
	 * Converts a held lock to another mode when subscribed to, as
	 * {@link LockHandle#convertAsync} does. Cancelling the subscription while an
	 * up-conversion waits withdraws it and leaves the old mode held; when the cancellation
	 * races the grant, {@link LockHandle#mode()} says which mode is held.
	 * @param handle the held lock
	 * @param mode the new mode
	 * @param options the wait time (the lease time is the lock's own)
	 * @return emits {@code handle} once converted, or fails as
	 * {@link LockHandle#convert(LockMode, Duration)} throws
	 */
	Mono<LockHandle> convert(LockHandle handle, LockMode mode, LockOptions options);

	/**
	 * Converts a held lock to another mode when subscribed to, only if that needs no wait;
	 * a try that would wait leaves no trace.
	 * @param handle the held lock
	 * @param mode the new mode
	 * @return emits whether the lock is now held in the new mode
	 */
	Mono<Boolean> tryConvert(LockHandle handle, LockMode mode);

	/**
	 * Runs reactive work under a lock: acquires it when subscribed to, subscribes to what
	 * {@code work} returns, and releases the lock when that completes, fails or is
	 * cancelled. Cancelling while the lock is awaited withdraws the request.
	 * <p>
	 * The release never blocks ({@link LockHandle#release()}). Should it throw: after a
	 * completion the subscriber gets an error caused by it (Reactor's "Async resource
	 * cleanup failed after onComplete"); after the work's failure, the subscriber gets that
	 * failure with the release's added as suppressed, as try-with-resources does; after a
	 * cancellation, when nobody listens, it is logged as a warning with key, mode and
	 * token.
	 * @param <T> the element type
	 * @param key the lock key
	 * @param mode the mode
	 * @param options wait and lease time
	 * @param work what to do while the lock is held; called once the lock is granted
	 * @return the elements of the work's publisher, or the acquisition's failure
	 */
	<T> Flux<T> usingLock(String key, LockMode mode, LockOptions options,
			Function<? super LockHandle, ? extends Publisher<? extends T>> work);

	/**
	 * Runs reactive work under a lock with this manager's default wait and lease time; see
	 * {@link #usingLock(String, LockMode, LockOptions, Function)}.
	 * @param <T> the element type
	 * @param key the lock key
	 * @param mode the mode
	 * @param work what to do while the lock is held
	 * @return the elements of the work's publisher, or the acquisition's failure
	 */
	<T> Flux<T> usingLock(String key, LockMode mode, Function<? super LockHandle, ? extends Publisher<? extends T>> work);

}
