package dev.dlock.concurrency;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.tck.ManualTime;

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
			InMemoryLockBackend.builder().clock(this.time::nanoTime).build());

	private final List<LockManager> managers = new ArrayList<>();

	private final List<LockHandle> held = new CopyOnWriteArrayList<>();

	LockManager manager() {
		LockManager manager = LockManager.builder(this.backend)
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
		for (LockHandle other : this.held) {
			if (other.isValid() && handle.isValid() && other.key().equals(handle.key())
					&& !other.mode().isCompatibleWith(handle.mode())) {
				throw new AssertionError("two conflicting valid handles: " + describe(other) + " and "
						+ describe(handle));
			}
		}
		this.held.add(handle);
		return handle;
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
	 * manager reports a lock, the server keeps no entry, and a fresh manager gets EX at once.
	 */
	void assertNothingHeld() {
		for (LockManager manager : this.managers) {
			check(manager.locks().isEmpty(), "a manager whose handles are all released reports " + manager.locks());
		}
		check(this.backend.resourceCount() == 0, "the server keeps entries nobody holds or waits for");
		LockManager other = manager();
		Optional<LockHandle> handle = other.tryAcquire(KEY, LockMode.EX);
		check(handle.isPresent(), "another manager cannot get EX after everything was released");
		handle.get().release();
	}

	/** Closes every manager, as the end of every run does. */
	void closeAll() {
		this.managers.forEach(LockManager::close);
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

}
