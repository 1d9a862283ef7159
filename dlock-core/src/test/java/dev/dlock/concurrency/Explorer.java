package dev.dlock.concurrency;

import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckSettings;

/**
 * Runs a scenario under Lincheck's model checker, which controls every thread the scenario
 * starts, switches between them at shared-memory accesses and synchronization points, and
 * explores the interleavings in a fixed order (its choices are seeded with constants). A
 * failure reports the interleaving step by step; running the test again replays it.
 */
final class Explorer {

	private static final LincheckSettings SETTINGS = new LincheckSettings(Boolean.getBoolean("std"), 10, 50, 20);

	private Explorer() {
	}

	/**
	 * Explores a scenario.
	 * @param invocations how many distinct interleavings to run
	 * @param scenario the scenario; it must end in every interleaving (no unbounded waits)
	 */
	static void explore(int invocations, Scenario scenario) {
		warmUp(scenario);
		Lincheck.runConcurrentTestInternal$lincheck(invocations, SETTINGS, new Block(scenario));
	}

	/**
	 * Has Lincheck instrument the classes a scenario uses before the exploration. Lincheck
	 * instruments a class when a run first touches it, and on a loaded machine doing that for
	 * the engine's classes inside the first invocation can outlast Lincheck's 30 s invocation
	 * timeout. The classes of objects reachable from a block are instrumented before any
	 * invocation is timed, and the result is cached: so the scenario runs once without the
	 * model checker, and a block that only refers to what that run left is run once.
	 */
	private static void warmUp(Scenario scenario) {
		Harness specimen = new Harness();
		try {
			scenario.run(specimen);
		}
		catch (Throwable ex) {
			// only a warm-up: the model checker finds and reports a failure with its interleaving
		}
		Lincheck.runConcurrentTestInternal$lincheck(1, SETTINGS, new Specimen(specimen));
	}

	/** A scenario: starts threads on a fresh harness, joins them, checks the invariants. */
	@FunctionalInterface
	interface Scenario {

		void run(Harness run) throws Exception;

	}

	private record Specimen(Harness specimen) implements Runnable {

		@Override
		public void run() {
			// nothing: the block only makes Lincheck instrument the specimen's classes
		}

	}

	private record Block(Scenario scenario) implements Runnable {

		@Override
		public void run() {
			try {
				this.scenario.run(new Harness());
			}
			catch (RuntimeException | Error ex) {
				throw ex;
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
