package dev.dlock.reactive;

import java.time.Duration;
import java.util.function.Function;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@link ReactiveLockManager} over a {@link LockManager}'s futures. A try is an
 * asynchronous acquisition with no wait time, whose timeout means "busy".
 */
final class DefaultReactiveLockManager implements ReactiveLockManager {

	private static final Logger logger = LoggerFactory.getLogger(DefaultReactiveLockManager.class);

	private final LockManager lockManager;

	private final LockOptions defaults;

	DefaultReactiveLockManager(LockManager lockManager, LockOptions defaults) {
		this.lockManager = lockManager;
		this.defaults = defaults;
	}

	@Override
	public Mono<LockHandle> acquire(String key, LockMode mode, LockOptions options) {
		return new GrantMono(() -> this.lockManager.acquireAsync(key, mode, options));
	}

	@Override
	public Mono<LockHandle> tryAcquire(String key, LockMode mode, LockOptions options) {
		LockOptions once = new LockOptions(Duration.ZERO, options.leaseTime());
		return acquire(key, mode, once).onErrorResume(LockAcquisitionTimeoutException.class, (busy) -> Mono.empty());
	}

	@Override
	public Mono<LockHandle> convert(LockHandle handle, LockMode mode, LockOptions options) {
		// the handle stays the subscriber's whatever happens: nothing to release on a race
		return Mono.fromFuture(() -> handle.convertAsync(mode, options));
	}

	@Override
	public Mono<Boolean> tryConvert(LockHandle handle, LockMode mode) {
		return convert(handle, mode, LockOptions.noWait()).thenReturn(true)
			.onErrorResume(LockAcquisitionTimeoutException.class, (busy) -> Mono.just(false));
	}

	@Override
	public <T> Flux<T> usingLock(String key, LockMode mode, LockOptions options,
			Function<? super LockHandle, ? extends Publisher<? extends T>> work) {
		return Flux.usingWhen(acquire(key, mode, options), work, DefaultReactiveLockManager::release,
				DefaultReactiveLockManager::releaseAfter, DefaultReactiveLockManager::releaseOnCancel);
	}

	@Override
	public <T> Flux<T> usingLock(String key, LockMode mode,
			Function<? super LockHandle, ? extends Publisher<? extends T>> work) {
		return usingLock(key, mode, this.defaults, work);
	}

	private static Mono<Void> release(LockHandle handle) {
		return Mono.fromRunnable(handle::release);
	}

	/** Releases after a cancellation, when nobody listens any more: a failure is logged. */
	private static Mono<Void> releaseOnCancel(LockHandle handle) {
		return Mono.fromRunnable(() -> {
			try {
				handle.release();
			}
			catch (RuntimeException ex) {
				logger.warn("Releasing lock '{}' ({}, token {}) after a cancellation failed", handle.key(), handle.mode(),
						handle.fencingToken(), ex);
			}
		});
	}

	/**
	 * Releases after the work failed. As in try-with-resources, the work's failure stays
	 * the one the subscriber gets, with a failed release added as suppressed: Reactor would
	 * otherwise replace it with a wrapper of the release's failure.
	 */
	private static Mono<Void> releaseAfter(LockHandle handle, Throwable workFailure) {
		return Mono.fromRunnable(() -> {
			try {
				handle.release();
			}
			catch (RuntimeException ex) {
				workFailure.addSuppressed(ex);
			}
		});
	}

}
