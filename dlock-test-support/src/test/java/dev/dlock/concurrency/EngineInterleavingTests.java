package dev.dlock.concurrency;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.spi.AcquireRequest;
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


	@Test
	void conversionRacingTheReleaseThatLetsItThroughAndItsCancel() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle reader = first.tryAcquire(KEY, LockMode.PR).orElseThrow();
			LockHandle other = run.hold(second.tryAcquire(KEY, LockMode.PR).orElseThrow());
			CompletableFuture<LockHandle> upgrade = reader.convertAsync(LockMode.EX, LockOptions.waitTime(Harness.WAIT));
			// the other reader's release grants the conversion on its thread, racing the cancel
			Thread canceller = Harness.start(() -> upgrade.cancel(false));
			Thread releaser = Harness.start(() -> run.release(other));
			Harness.join(canceller, releaser);
			run.assertConvertedOrNot(reader, LockMode.PR, LockMode.EX, !upgrade.isCompletedExceptionally());
			reader.release();
			run.assertNothingHeld();
		});
	}

	@Test
	void conversionInterruptedRacingItsGrant() {
		Explorer.explore(30, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle reader = first.tryAcquire(KEY, LockMode.PR).orElseThrow();
			LockHandle other = run.hold(second.tryAcquire(KEY, LockMode.PR).orElseThrow());
			boolean[] converted = new boolean[1];
			Thread converter = Harness.start(() -> {
				try {
					reader.convert(LockMode.EX, Harness.WAIT);
					converted[0] = true;
				}
				catch (InterruptedException ex) {
					// the interrupt came first: the lock stays held in PR
				}
			});
			Thread releaser = Harness.start(() -> run.release(other));
			converter.interrupt();
			Harness.join(converter, releaser);
			run.assertConvertedOrNot(reader, LockMode.PR, LockMode.EX, converted[0]);
			reader.release();
			run.assertNothingHeld();
		});
	}

	@Test
	void conversionTimingOutRacingItsGrant() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle reader = first.tryAcquire(KEY, LockMode.PR).orElseThrow();
			LockHandle other = run.hold(second.tryAcquire(KEY, LockMode.PR).orElseThrow());
			Duration waitTime = Duration.ofSeconds(2);
			CompletableFuture<LockHandle> upgrade = reader.convertAsync(LockMode.EX, LockOptions.waitTime(waitTime));
			Thread clock = Harness.start(() -> run.time.advance(waitTime));
			Thread releaser = Harness.start(() -> run.release(other));
			Harness.join(clock, releaser);
			Harness.check(upgrade.isDone(), "a conversion neither granted nor timed out after its wait time");
			run.assertConvertedOrNot(reader, LockMode.PR, LockMode.EX, !upgrade.isCompletedExceptionally());
			reader.release();
			run.assertNothingHeld();
		});
	}

	@Test
	void releaseOfAConvertingLockRacingTheGrantOfItsConversion() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockHandle reader = first.tryAcquire(KEY, LockMode.PR).orElseThrow();
			LockHandle other = run.hold(second.tryAcquire(KEY, LockMode.PR).orElseThrow());
			CompletableFuture<LockHandle> upgrade = reader.convertAsync(LockMode.EX, LockOptions.waitTime(Harness.WAIT));
			Thread owner = Harness.start(reader::release);
			Thread releaser = Harness.start(() -> run.release(other));
			Harness.join(owner, releaser);
			Harness.check(upgrade.isDone(), "the conversion of a released lock is still pending");
			Harness.check(!reader.isValid(), "a released lock reports valid");
			run.assertNothingHeld();
		});
	}

	@Test
	void conversionWhoseEntryIsLostEndsAndLeavesNothingBehind() {
		Explorer.explore(10, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			// granted at once; the only request that asked to wait, so the one the server loses
			LockHandle reader = first.acquire(KEY, LockMode.PR, Harness.WAIT);
			LockHandle other = run.hold(second.tryAcquire(KEY, LockMode.PR).orElseThrow());
			long before = reader.fencingToken();
			CompletableFuture<LockHandle> upgrade = reader.convertAsync(LockMode.EX, LockOptions.waitTime(Harness.WAIT));
			// the server loses the converting entry while the other reader's release wakes it
			Thread loser = Harness.start(() -> run.loseOnServer(AcquireRequest::waitIfBusy));
			Thread releaser = Harness.start(() -> run.release(other));
			Harness.join(loser, releaser);
			// a renewal round tells the holder at the latest
			run.time.advance(Harness.LEASE);
			Harness.check(upgrade.isDone(), "a conversion whose entry is gone is still pending");
			Harness.check(!reader.isValid(), "a lock whose entry the server lost still reports valid");
			Harness.check(upgrade.isCompletedExceptionally() || reader.fencingToken() > before,
					"a conversion granted without a new token");
			reader.release();
			run.assertNothingHeld();
		});
	}

	@Test
	void waiterGrantedAfterAConversionGetsALargerTokenWhicheverPollAnswersFirst() {
		Explorer.explore(30, (run) -> {
			LockManager first = run.manager();
			LockManager second = run.manager();
			LockManager third = run.manager();
			LockHandle writer = first.tryAcquire(KEY, LockMode.EX).orElseThrow();
			CompletableFuture<LockHandle> waiting = second.acquireAsync(KEY, LockMode.PW,
					LockOptions.waitTime(Harness.WAIT));
			// a down-conversion draws a token larger than the waiter's ticket; the waiter must
			// draw a larger one still when it is granted
			writer.convert(LockMode.CR, Harness.WAIT);
			long converted = writer.fencingToken();
			// the release and another request both wake the waiter: two polls may answer GRANTED
			Thread releaser = Harness.start(writer::release);
			Thread other = Harness.start(() -> third.tryAcquire(KEY, LockMode.NL).ifPresent(run::release));
			Harness.join(releaser, other);
			LockHandle granted = run.settle(waiting);
			Harness.check(granted != null && granted.fencingToken() > converted, "the waiter granted after a "
					+ "conversion on its key has token " + ((granted != null) ? granted.fencingToken() : "none")
					+ ", not larger than the conversion's " + converted);
			run.releaseAll();
			run.assertNothingHeld();
		});
	}

}
