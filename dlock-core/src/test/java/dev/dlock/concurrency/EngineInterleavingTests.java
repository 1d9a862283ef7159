package dev.dlock.concurrency;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

/**
 * The engine's real threads under Lincheck's model checker (see {@link Explorer}).
 */
class EngineInterleavingTests {

	@Test
	void interruptRacingGrantLeavesNothingHeld() {
		Explorer.explore(300, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle holder = run.hold(first.tryAcquire(Harness.KEY, LockMode.EX).orElseThrow());
			Thread waiter = Harness.start(() -> {
				try {
					run.hold(second.acquire(Harness.KEY, LockMode.EX, Harness.WAIT));
				}
				catch (InterruptedException ex) {
					// the interrupt came first: nothing may stay held for this thread
				}
			});
			Thread releaser = Harness.start(() -> run.release(holder));
			waiter.interrupt();
			Harness.join(waiter, releaser);
			run.releaseAll();
			run.assertNothingHeld();
			run.closeAll();
		});
	}

}
