package dev.dlock.concurrency;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.junit.jupiter.api.Test;

/**
 * Blocking notifications when a listener is added, a request queues, a conversion waits and
 * a lock is released on different threads at once, under Lincheck's model checker (see
 * {@link Explorer}): a blocked request is told once, and a released lock's watch ends.
 */
class BlockingInterleavingTests {

	private static final String KEY = Harness.KEY;

	@Test
	void aRequestThatQueuesWhileTheListenerIsAddedIsToldOnce() {
		Explorer.explore(15, (run) -> {
			LockHandle holder = run.hold(run.manager().tryAcquire(KEY, LockMode.PR).orElseThrow());
			List<LockMode> told = new CopyOnWriteArrayList<>();
			LockManager writer = run.manager();
			CompletableFuture<LockHandle>[] request = new CompletableFuture[1];
			Thread listening = Harness.start(() -> holder.onBlocking(told::add));
			Thread asking = Harness.start(
					() -> request[0] = writer.acquireAsync(KEY, LockMode.EX, LockOptions.waitTime(Harness.WAIT)));
			Harness.join(listening, asking);
			Harness.check(told.equals(List.of(LockMode.EX)), "the holder was told " + told + ", not [EX] once");
			run.release(holder);
			run.settleAll(request[0]);
			run.assertNothingHeld();
		});
	}

	@Test
	void aConversionThatWaitsWhileTheListenerIsAddedIsToldOnce() {
		Explorer.explore(15, (run) -> {
			LockHandle holder = run.hold(run.manager().tryAcquire(KEY, LockMode.CR).orElseThrow());
			LockHandle upgrading = run.hold(run.manager().tryAcquire(KEY, LockMode.CR).orElseThrow());
			List<LockMode> told = new CopyOnWriteArrayList<>();
			CompletableFuture<LockHandle>[] upgrade = new CompletableFuture[1];
			Thread listening = Harness.start(() -> holder.onBlocking(told::add));
			Thread converting = Harness.start(() -> upgrade[0] = upgrading.convertAsync(LockMode.EX,
					LockOptions.waitTime(Harness.WAIT)));
			Harness.join(listening, converting);
			Harness.check(told.equals(List.of(LockMode.EX)), "the holder was told " + told + ", not [EX] once");
			run.release(holder);
			for (int i = 0; i < 3 && !upgrade[0].isDone(); i++) {
				run.time.advance(Harness.RECHECK);
			}
			Harness.check(upgrading.mode() == LockMode.EX, "the conversion is stranded once the holder left");
			run.release(upgrading);
			run.assertNothingHeld();
		});
	}

	@Test
	void aListenerAddedWhileTheLockIsReleasedLeavesNoWatchBehind() {
		Explorer.explore(15, (run) -> {
			LockHandle holder = run.hold(run.manager().tryAcquire(KEY, LockMode.PR).orElseThrow());
			int tasks = run.time.pendingTasks();
			List<LockMode> told = new CopyOnWriteArrayList<>();
			Thread listening = Harness.start(() -> holder.onBlocking(told::add));
			Thread releasing = Harness.start(() -> run.release(holder));
			Harness.join(listening, releasing);
			Harness.check(run.time.pendingTasks() == tasks, "the released lock's blocking watch left its re-check");
			// a watch left subscribed would read the key's queue and tell of this waiting writer
			LockHandle reader = run.hold(run.manager().tryAcquire(KEY, LockMode.PR).orElseThrow());
			CompletableFuture<LockHandle> writer = run.manager()
				.acquireAsync(KEY, LockMode.EX, LockOptions.waitTime(Harness.WAIT));
			Harness.check(told.isEmpty(), "the released lock's listener was told " + told);
			run.release(reader);
			run.settleAll(writer);
			run.assertNothingHeld();
		});
	}

}
