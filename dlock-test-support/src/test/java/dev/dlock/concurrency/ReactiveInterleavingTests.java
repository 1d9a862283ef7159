package dev.dlock.concurrency;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.reactive.ReactiveLockManager;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/**
 * The reactive face's cancellation racing a grant, under Lincheck's model checker (see
 * {@link Explorer}): whichever comes first, the granted lock ends up with the subscriber
 * or released, never held with nobody to release it (see {@link Harness}).
 */
class ReactiveInterleavingTests {

	private static final String KEY = Harness.KEY;

	@Test
	void cancelRacingTheGrantOfAWaitingMonoLeavesNothingHeld() {
		Explorer.explore(30, (run) -> {
			LockManager first = run.manager();
			ReactiveLockManager second = ReactiveLockManager.of(run.manager());
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			Disposable waiting = second.acquire(KEY, LockMode.EX, Harness.WAIT).subscribe(run::hold);
			Thread canceller = Harness.start(waiting::dispose);
			Thread releaser = Harness.start(() -> run.release(holder));
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
			LazySubscriber subscriber = new LazySubscriber(run);
			second.acquire(KEY, LockMode.EX, Harness.WAIT).subscribe(subscriber);
			Thread releaser = Harness.start(() -> run.release(holder));
			Thread requester = Harness.start(() -> subscriber.request(1));
			Thread canceller = Harness.start(subscriber::cancel);
			Harness.join(releaser, requester, canceller);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	/** Asks for the lock only when told to, so that a grant can wait for the request. */
	private static final class LazySubscriber extends BaseSubscriber<LockHandle> {

		private final Harness run;

		LazySubscriber(Harness run) {
			this.run = run;
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			// no request yet
		}

		@Override
		protected void hookOnNext(LockHandle handle) {
			this.run.hold(handle);
		}

	}

}
