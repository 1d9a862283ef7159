package dev.dlock.concurrency;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.junit.jupiter.api.Test;

/**
 * The engine's real threads under Lincheck's model checker (see {@link Explorer}): each
 * scenario races two or three threads over one key on the in-memory backend, then checks
 * that no two conflicting handles were valid at once, that no waiter is stranded, and that
 * once every handle is released nothing is held (see {@link Harness}).
 */
class EngineInterleavingTests {

	private static final String KEY = Harness.KEY;

	@Test
	void interruptRacingGrantLeavesNothingHeld() {
		Explorer.explore(100, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			Thread waiter = Harness.start(() -> {
				try {
					run.hold(second.acquire(KEY, LockMode.EX, Harness.WAIT));
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
		});
	}

	@Test
	void timeoutRacingGrantLeavesNothingHeld() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			Duration waitTime = Duration.ofSeconds(2);
			CompletableFuture<LockHandle> waiting = second.acquireAsync(KEY, LockMode.EX,
					LockOptions.waitTime(waitTime));
			Thread clock = Harness.start(() -> run.time.advance(waitTime));
			Thread releaser = Harness.start(() -> run.release(holder));
			Harness.join(clock, releaser);
			run.settle(waiting);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	@Test
	void cancelRacingGrantLeavesNothingHeld() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			CompletableFuture<LockHandle> waiting = second.acquireAsync(KEY, LockMode.EX,
					LockOptions.waitTime(Harness.WAIT));
			Thread canceller = Harness.start(() -> waiting.cancel(false));
			Thread releaser = Harness.start(() -> run.release(holder));
			Harness.join(canceller, releaser);
			run.settle(waiting);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	@Test
	void tryAcquireAndAcquireRacingAReleaseOnAnotherThread() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockManager third = run.manager();
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.PW).orElseThrow());
			CompletableFuture<LockHandle> waiting = third.acquireAsync(KEY, LockMode.PR,
					LockOptions.waitTime(Harness.WAIT));
			Thread trier = Harness.start(() -> second.tryAcquire(KEY, LockMode.EX).ifPresent(run::hold));
			Thread releaser = Harness.start(() -> run.release(holder));
			Harness.join(trier, releaser);
			run.releaseAll();
			run.settle(waiting);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	@Test
	void reentrantHoldRacingTheLastReleaseOnAnotherThread() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle outer = first.tryAcquire(KEY, LockMode.EX).orElseThrow();
			CompletableFuture<LockHandle> waiting = second.acquireAsync(KEY, LockMode.EX,
					LockOptions.waitTime(Harness.WAIT));
			Thread releaser = Harness.start(outer::release);
			// re-enters the hold, or (once the release won) asks anew and waits behind the other manager
			Optional<LockHandle> inner = first.tryAcquire(KEY, LockMode.EX);
			Harness.join(releaser);
			inner.ifPresent((handle) -> {
				Harness.check(handle.isValid(), "a re-entrant hold on a released grant");
				run.hold(handle);
			});
			run.releaseAll();
			run.settle(waiting);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	@Test
	void waiterWhoseEntryIsGoneIsNotStranded() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockManager third = run.manager();
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			CompletableFuture<LockHandle> waiting = second.acquireAsync(KEY, LockMode.EX,
					LockOptions.waitTime(Harness.WAIT));
			// the server loses the waiter's entry (it polls, is told GONE, and asks again)
			// while another request arrives and wakes the watchers of the key
			Thread loser = Harness.start(() -> run.loseOnServer((request) -> request.mode() == LockMode.EX
					&& request.waitIfBusy() && !waiting.isDone() && holder.isValid()));
			CompletableFuture<LockHandle> later = third.acquireAsync(KEY, LockMode.EX,
					LockOptions.waitTime(Harness.WAIT));
			Harness.join(loser);
			run.release(holder);
			run.settleAll(waiting, later);
			run.assertNothingHeld();
		});
	}

	@Test
	void holderWhoseEntryIsGoneLosesItAndTheWaiterGetsIt() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle holder = first.tryAcquire(KEY, LockMode.EX).orElseThrow();
			long holderToken = holder.fencingToken();
			CompletableFuture<LockHandle> waiting = second.acquireAsync(KEY, LockMode.EX,
					LockOptions.waitTime(Harness.WAIT));
			Thread loser = Harness.start(() -> run.loseOnServer((request) -> !request.waitIfBusy()));
			Thread clock = Harness.start(() -> run.time.advance(Harness.LEASE.dividedBy(2)));
			Harness.join(loser, clock);
			// a renewal round tells the holder at the latest
			run.time.advance(Harness.LEASE.dividedBy(2));
			LockHandle granted = run.settle(waiting);
			Harness.check(granted != null, "the waiter did not get the lock the server no longer gave the holder");
			Harness.check(!holder.isValid(), "the holder whose entry is gone still reports a valid lock");
			Harness.check(granted.fencingToken() > holderToken, "the new holder's token is not larger");
			holder.release();
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

	@Test
	void renewalFailureEndsTheHoldAndReleaseStillFreesTheServer() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle holder = first.tryAcquire(KEY, LockMode.EX).orElseThrow();
			Thread breaker = Harness.start(run.backend::failRenewals);
			Thread clock = Harness.start(() -> run.time.advance(Harness.LEASE));
			Thread releaser = Harness.start(holder::release);
			Harness.join(breaker, clock, releaser);
			Harness.check(!holder.isValid(), "a released (or unrenewed) lock reports valid");
			Optional<LockHandle> next = second.tryAcquire(KEY, LockMode.EX);
			Harness.check(next.isPresent(), "released lock still held on the server");
			next.get().release();
			run.assertNothingHeld();
		});
	}

	@Test
	void closeRacingAcquireLeavesNothingHeld() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle holder = run.hold(first.tryAcquire(KEY, LockMode.EX).orElseThrow());
			Thread acquirer = Harness.start(() -> {
				try {
					LockHandle handle = second.acquire(KEY, LockMode.EX, Harness.WAIT);
					run.release(run.hold(handle));
				}
				catch (LockBackendException ex) {
					// closed first
				}
				catch (InterruptedException ex) {
					throw new IllegalStateException(ex);
				}
			});
			Thread closer = Harness.start(second::close);
			Thread releaser = Harness.start(() -> run.release(holder));
			Harness.join(acquirer, closer, releaser);
			Harness.check(second.locks().isEmpty(), "a closed manager reports " + second.locks());
			run.assertNothingHeld();
		});
	}

}
