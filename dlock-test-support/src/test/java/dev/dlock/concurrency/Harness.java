package dev.dlock.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.tck.ManualTime;
import org.jspecify.annotations.Nullable;

/**
 * One run of a scenario: manual time shared by the engine and the in-memory server, lock
 * managers whose callbacks run on the thread that completes them (so that every step is
 * on a thread the scheduler controls), and the invariants checked after the run.
 */
final class Harness {

	static final String KEY = "k";

	static final Duration LEASE = Duration.ofSeconds(10);

	static final Duration RECHECK = Duration.ofSeconds(1);

	/** Long enough never to run out in a scenario unless the scenario advances time that far. */
	static final Duration WAIT = Duration.ofHours(1);

	final ManualTime time = new ManualTime();

	final ScriptedBackend backend = new ScriptedBackend(
			InMemoryLockBackend.builder().timeSource(this.time).build());

	private final List<LockManager> managers = new ArrayList<>();

	private final List<LockHandle> held = new CopyOnWriteArrayList<>();

	private volatile boolean serverLosesEntries;

	LockManager manager() {
		LockManager manager = LockManagerBuilder.forBackend(this.backend)
			.timeSource(this.time)
			.callbackExecutor(Runnable::run)
			.leaseTime(LEASE)
			.maxRecheckInterval(RECHECK)
			.build();
		this.managers.add(manager);
		return manager;
	}

	/**
	 * Records a handle a thread got, first checking that no other valid handle recorded
	 * conflicts with it (no two conflicting holders).
	 */
	LockHandle hold(LockHandle handle) {
		for (LockHandle other : this.serverLosesEntries ? List.<LockHandle>of() : this.held) {
			if (other.isValid() && handle.isValid() && other.key().equals(handle.key())
					&& !other.mode().isCompatibleWith(handle.mode())) {
				throw new AssertionError("two conflicting valid handles: " + describe(other) + " and "
						+ describe(handle));
			}
		}
		this.held.add(handle);
		return handle;
	}

	/**
	 * Makes the server lose the entries of the requests that match. A holder whose entry
	 * the server lost keeps a valid handle until its next renewal tells it, while a waiter
	 * may be granted at once: no lock service can prevent that overlap (fencing tokens
	 * can), so the check for conflicting handles is off from then on.
	 */
	void loseOnServer(Predicate<AcquireRequest> which) {
		this.serverLosesEntries = true;
		this.backend.lose(which);
	}

	/** Forgets a recorded handle, then releases it. */
	void release(LockHandle handle) {
		this.held.remove(handle);
		handle.release();
	}

	/** Releases every handle still recorded. */
	void releaseAll() {
		for (LockHandle handle : List.copyOf(this.held)) {
			release(handle);
		}
	}

	/**
	 * The no-leak invariant, once every thread has ended and every handle is released: no
	 * manager reports a lock, and the server keeps no entry, so that any other client gets
	 * EX at once. (Checked on the server rather than with another manager's tryAcquire: the
	 * model checker's cost grows with every object a run allocates.)
	 */
	void assertNothingHeld() {
		for (LockManager manager : this.managers) {
			check(manager.locks().isEmpty(), "a manager whose handles are all released reports " + manager.locks());
		}
		check(this.backend.resourceCount() == 0,
				"the server keeps an entry that no handle or waiter stands for: another client cannot get EX");
	}

	/**
	 * The no-stranded-waiter invariant: once nothing conflicting is held, a waiter is
	 * decided within a few re-check intervals (time is advanced, the engine is not waited
	 * for). A granted handle is recorded (and so checked against the others).
	 * @return the handle, or {@code null} if the request ended without one
	 */
	@Nullable LockHandle settle(CompletableFuture<LockHandle> pending) {
		for (int i = 0; i < 3 && !pending.isDone(); i++) {
			this.time.advance(RECHECK);
		}
		check(pending.isDone(), "a waiter is stranded: not decided " + 3 * RECHECK.toSeconds()
				+ " s after nothing conflicting was held");
		if (pending.isCompletedExceptionally()) {
			return null;
		}
		return hold(pending.join());
	}

	/**
	 * Settles waiters that conflict with each other: releases each as it is granted, and
	 * checks that all are decided within a few re-check intervals of the last release.
	 */
	@SafeVarargs
	final void settleAll(CompletableFuture<LockHandle>... waiters) {
		for (int step = 0; step <= 3 * waiters.length; step++) {
			boolean allDone = true;
			for (CompletableFuture<LockHandle> waiter : waiters) {
				if (waiter.isDone()) {
					// a granted handle is released once (a released handle is no longer valid)
					if (!waiter.isCompletedExceptionally() && waiter.join().isValid()) {
						release(hold(waiter.join()));
					}
				}
				else {
					allDone = false;
				}
			}
			if (allDone) {
				return;
			}
			this.time.advance(RECHECK);
		}
		throw new AssertionError("a waiter is stranded: not decided a few re-check intervals after "
				+ "nothing conflicting was held");
	}

	/**
	 * The postcondition of a conversion of {@code handle} from {@code from} to {@code to}
	 * (an up-conversion) once every thread has ended: the handle shows one of the two modes,
	 * the new one exactly when the conversion succeeded, and the server agrees: held in the
	 * old mode, a new request in a mode compatible with it is granted (nothing pending blocks
	 * it); held in the new one, a request in a mode compatible with the old but not the new
	 * mode waits.
	 * @param converted whether the conversion call reported success
	 */
	void assertConvertedOrNot(LockHandle handle, LockMode from, LockMode to, boolean converted) {
		check(handle.isValid(), "a conversion lost the lock");
		check(handle.mode() == (converted ? to : from), "the conversion " + (converted ? "succeeded" : "failed")
				+ " but the handle shows " + handle.mode());
		LockManager probe = manager();
		Optional<LockHandle> other = probe.tryAcquire(KEY, from);
		other.ifPresent(LockHandle::release);
		check(other.isPresent() != converted, converted ? "converted to " + to + " but the server lets " + from + " in"
				: "held in " + from + " but the server keeps a " + from + " request out (a conversion left pending)");
	}

	/** Fails the run (plain checks: an assertion library would add hundreds of classes to instrument). */
	static void check(boolean condition, String failure) {
		if (!condition) {
			throw new AssertionError(failure);
		}
	}

	private static String describe(LockHandle handle) {
		return handle.mode() + " token " + handle.fencingToken();
	}

	/** Joins threads; an interrupt of the test thread is a failure of the run. */
	static void join(Thread... threads) {
		try {
			for (Thread thread : threads) {
				thread.join();
			}
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Starts a thread running the task. */
	static Thread start(Runnable task) {
		Thread thread = new Thread(task);
		thread.start();
		return thread;
	}

	/**
	 * A count that grows with every thread the JVM starts (thread ids are never reused and
	 * the model checker cannot roll them back): for reporting how far an exploration got.
	 */
	static long threadsStarted() {
		return new Thread(() -> {
		}).getId();
	}

}
