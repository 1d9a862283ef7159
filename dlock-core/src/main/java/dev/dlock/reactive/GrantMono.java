package dev.dlock.reactive;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.dlock.LockHandle;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * A {@link Mono} of a lock requested when subscribed to, which hands a granted lock to
 * exactly one place: the subscriber, or {@link LockHandle#release()} when the subscriber
 * cancelled first. Cancelling also cancels the request's future, which withdraws a request
 * that still waits.
 * <p>
 * Reactor's own single-value publishers ({@code Mono.fromFuture}, {@code Mono.create})
 * hand a value that races a cancellation to the discard hook at best, and in narrow
 * windows (read in reactor-core 3.8's {@code Operators.MonoSubscriber} before the first
 * request, and in {@code MonoCreate}'s sink while it is cancelled) to nobody: a lock
 * would then stay held with no handle to release it.
 */
final class GrantMono extends Mono<LockHandle> {

	private final Supplier<CompletableFuture<LockHandle>> request;

	GrantMono(Supplier<CompletableFuture<LockHandle>> request) {
		this.request = request;
	}

	@Override
	public void subscribe(CoreSubscriber<? super LockHandle> actual) {
		GrantSubscription subscription = new GrantSubscription(actual);
		actual.onSubscribe(subscription);
		subscription.start(this.request);
	}

	/** One subscriber's request, from subscription to delivery, failure or cancellation. */
	static final class GrantSubscription implements Subscription {

		private static final int WAITING = 0;

		private static final int REQUESTED = 1;

		private static final int GRANTED = 2;

		private static final int DONE = 3;

		private static final int CANCELLED = 4;

		private final CoreSubscriber<? super LockHandle> actual;

		private final AtomicInteger state = new AtomicInteger(WAITING);

		// written before the state turns GRANTED, read after it was seen GRANTED
		private volatile @Nullable LockHandle granted;

		private volatile @Nullable CompletableFuture<LockHandle> pending;

		GrantSubscription(CoreSubscriber<? super LockHandle> actual) {
			this.actual = actual;
		}

		void start(Supplier<CompletableFuture<LockHandle>> request) {
			if (this.state.get() == CANCELLED) {
				return;
			}
			CompletableFuture<LockHandle> future;
			try {
				future = request.get();
			}
			catch (RuntimeException ex) {
				fail(ex);
				return;
			}
			this.pending = future;
			if (this.state.get() == CANCELLED) {
				// cancelled before the future was there to cancel
				future.cancel(false);
			}
			future.whenComplete((handle, failure) -> {
				if (failure != null) {
					fail(failure);
				}
				else {
					grant(handle);
				}
			});
		}

		private void grant(LockHandle handle) {
			this.granted = handle;
			while (true) {
				int now = this.state.get();
				if (now == WAITING && this.state.compareAndSet(WAITING, GRANTED)) {
					return; // delivered on request
				}
				if (now == REQUESTED && this.state.compareAndSet(REQUESTED, DONE)) {
					deliver(handle);
					return;
				}
				if (now == CANCELLED) {
					// the subscriber is gone: nobody else could release this lock
					handle.release();
					return;
				}
			}
		}

		private void fail(Throwable failure) {
			while (true) {
				int now = this.state.get();
				if (now == DONE || now == CANCELLED) {
					return; // after a cancellation, the failure is the cancellation itself
				}
				if (this.state.compareAndSet(now, DONE)) {
					this.actual.onError(failure);
					return;
				}
			}
		}

		@Override
		public void request(long n) {
			if (n <= 0) {
				// Reactive Streams rule 3.9
				cancel();
				this.actual.onError(new IllegalArgumentException("'n' must be positive, was " + n));
				return;
			}
			while (true) {
				int now = this.state.get();
				if (now == WAITING && this.state.compareAndSet(WAITING, REQUESTED)) {
					return;
				}
				if (now == GRANTED && this.state.compareAndSet(GRANTED, DONE)) {
					deliver(grantedHandle());
					return;
				}
				if (now != WAITING && now != GRANTED) {
					return;
				}
			}
		}

		@Override
		public void cancel() {
			while (true) {
				int now = this.state.get();
				if (now == DONE || now == CANCELLED) {
					return;
				}
				if (this.state.compareAndSet(now, CANCELLED)) {
					if (now == GRANTED) {
						grantedHandle().release();
					}
					CompletableFuture<LockHandle> future = this.pending;
					if (future != null) {
						// withdraws a waiting request; a grant it is too late for comes to grant()
						future.cancel(false);
					}
					return;
				}
			}
		}

		private LockHandle grantedHandle() {
			LockHandle handle = this.granted;
			if (handle == null) {
				throw new IllegalStateException("granted without a handle");
			}
			return handle;
		}

		private void deliver(LockHandle handle) {
			this.actual.onNext(handle);
			this.actual.onComplete();
		}

	}

}
