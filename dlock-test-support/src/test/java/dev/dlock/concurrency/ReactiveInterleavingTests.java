package dev.dlock.concurrency;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.reactive.ReactiveLockManager;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/**
 * The reactive face's cancellation racing a grant, under Lincheck's model checker (see
 * {@link Explorer}): whichever comes first, the granted lock ends up with the subscriber
 * or released, never held with nobody to release it (see {@link Harness}).
 * <p>
 * The subscriber is a plain {@link CoreSubscriber} that subscribes directly: Reactor's own
 * subscribers and assembly hooks would add classes for the model checker to instrument
 * without adding a switch point that matters here.
 * <p>
 * Removing the release of a granted, not yet requested lock on cancel makes the second
 * scenario fail. A cancellation that comes between the completion of the engine's future
 * and its callback is not reachable here: the checker does not switch threads inside the
 * JDK's {@code CompletableFuture}, which runs the callback; {@code GrantMonoTests} covers
 * that branch with a future that can no longer be cancelled.
 */
class ReactiveInterleavingTests {

	private static final String KEY = Harness.KEY;

	@Test
	void cancelRacingTheGrantOfAWaitingMonoLeavesNothingHeld() {
		Explorer.explore(30, (run) -> {
			LockManager first = run.manager();
			ReactiveLockManager second = ReactiveLockManager.of(run.manager());
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			HoldingSubscriber subscriber = new HoldingSubscriber(run);
			second.acquire(KEY, LockMode.EX, Harness.WAIT).subscribe(subscriber);
			subscriber.request();
			Thread canceller = Harness.start(subscriber::cancel);
			Thread releaser = Harness.start(() -> releaseAndLetTheWaiterIn(run, holder));
			Harness.join(canceller, releaser);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	@Test
	void cancelRacingTheRequestOfAGrantedMonoLeavesNothingHeld() {
		Explorer.explore(30, (run) -> {
			LockManager first = run.manager();
			ReactiveLockManager second = ReactiveLockManager.of(run.manager());
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			HoldingSubscriber subscriber = new HoldingSubscriber(run);
			second.acquire(KEY, LockMode.EX, Harness.WAIT).subscribe(subscriber);
			// granted before the subscriber asked for it: the grant waits for the request
			releaseAndLetTheWaiterIn(run, holder);
			Thread requester = Harness.start(subscriber::request);
			Thread canceller = Harness.start(subscriber::cancel);
			Harness.join(requester, canceller);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	/**
	 * Releases the holder's lock and lets the re-check interval pass, so that the waiter is
	 * granted on this thread (by the push signal or, at the latest, by its re-check) while
	 * the other threads run.
	 */
	private static void releaseAndLetTheWaiterIn(Harness run, LockHandle holder) {
		run.release(holder);
		run.time.advance(Harness.RECHECK);
	}

	/** Records the lock it gets with the harness; requests and cancels when told to. */
	private static final class HoldingSubscriber implements CoreSubscriber<LockHandle> {

		private final Harness run;

		private volatile @Nullable Subscription subscription;

		HoldingSubscriber(Harness run) {
			this.run = run;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			this.subscription = subscription;
		}

		@Override
		public void onNext(LockHandle handle) {
			this.run.hold(handle);
		}

		@Override
		public void onError(Throwable failure) {
			throw new AssertionError("no failure expected", failure);
		}

		@Override
		public void onComplete() {
		}

		void request() {
			subscription().request(1);
		}

		void cancel() {
			subscription().cancel();
		}

		private Subscription subscription() {
			Subscription current = this.subscription;
			if (current == null) {
				throw new AssertionError("not subscribed");
			}
			return current;
		}

	}

}
