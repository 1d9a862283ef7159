package dev.dlock.concurrency;

import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

/**
 * The once-only guards of a held lock that live in plain fields changed by compare-and-set
 * (not in atomic objects of their own, which cost heap per held lock), under Lincheck's
 * model checker (see {@link Explorer}).
 */
class HeldLockInterleavingTests {

	private static final String KEY = Harness.KEY;

	@Test
	void handleReleasedOnTwoThreadsAtOnceGivesBackOneHold() {
		Explorer.explore(30, (run) -> {
			LockManager manager = run.manager();
			LockHandle outer = manager.tryAcquire(KEY, LockMode.EX).orElseThrow();
			LockHandle inner = manager.tryAcquire(KEY, LockMode.EX).orElseThrow();
			Thread first = Harness.start(inner::release);
			Thread second = Harness.start(inner::release);
			Harness.join(first, second);
			Harness.check(outer.isValid(), "one handle released twice at once gave back another handle's hold too");
			outer.release();
			run.assertNothingHeld();
		});
	}

	@Test
	void lossListenersAddedWhileTheLockIsLostAreEachToldOnce() {
		Explorer.explore(30, (run) -> {
			LockManager manager = run.manager();
			LockHandle holder = manager.tryAcquire(KEY, LockMode.EX).orElseThrow();
			AtomicInteger firstTold = new AtomicInteger();
			AtomicInteger secondTold = new AtomicInteger();
			Thread first = Harness.start(() -> holder.onLost((loss) -> firstTold.incrementAndGet()));
			Thread second = Harness.start(() -> holder.onLost((loss) -> secondTold.incrementAndGet()));
			Thread loser = Harness.start(() -> {
				run.loseOnServer((request) -> true);
				// the next renewal round learns that the entry is gone
				run.time.advance(Harness.LEASE);
			});
			Harness.join(first, second, loser);
			Harness.check(!holder.isValid(), "the lock whose entry is gone is still valid");
			Harness.check(firstTold.get() == 1 && secondTold.get() == 1,
					"loss listeners told " + firstTold.get() + " and " + secondTold.get() + " times, not once each");
			holder.release();
			run.assertNothingHeld();
		});
	}

}
