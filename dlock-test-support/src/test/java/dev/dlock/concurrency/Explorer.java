package dev.dlock.concurrency;

import java.lang.management.ManagementFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckSettings;
import org.slf4j.LoggerFactory;

/**
 * Runs a scenario under Lincheck's model checker, which controls every thread the scenario
 * starts, switches between them at shared-memory accesses and synchronization points, and
 * explores the interleavings in a fixed order (its choices are seeded with constants). A
 * failure reports the interleaving step by step; running the test again replays it.
 * <p>
 * The system property {@code dlock.interleavings.factor} (default 1) multiplies the number
 * of interleavings each scenario explores, for longer runs.
 */
final class Explorer {

	/**
	 * Lincheck's defaults except that it does not analyse the JDK's own code (concurrent
	 * collections, futures, {@code SecureRandom}) as it does the engine's: with that analysis
	 * one run of a scenario takes seconds. The
	 * public {@code Lincheck.runConcurrentTest} has no way to say so; this constructor and
	 * {@code runConcurrentTestInternal} are Lincheck 3.7's (internal in Kotlin, public in
	 * bytecode), which is why the version is pinned.
	 */
	private static final LincheckSettings SETTINGS = new LincheckSettings(false, 10, 50, 20);

	private static final int FACTOR = Integer.getInteger("dlock.interleavings.factor", 1);

	private Explorer() {
	}

	/**
	 * Explores a scenario.
	 * @param interleavings how many distinct interleavings to run
	 * @param scenario the scenario; it must end in every interleaving (no unbounded waits)
	 */
	static void explore(int interleavings, Scenario scenario) {
		Logger engineLogger = (Logger) LoggerFactory.getLogger("dev.dlock");
		Level level = engineLogger.getLevel();
		// the engine's warnings (a lost lock, a failed renewal) are expected here, and
		// formatting them under the model checker costs more than the rest of a run
		engineLogger.setLevel(Level.OFF);
		long startedAt = System.nanoTime();
		try {
			warmUp(scenario);
			long warmedAt = System.nanoTime();
			long cpuAtStart = cpuTime();
			long firstThread = Harness.threadsStarted();
			try {
				Lincheck.runConcurrentTestInternal$lincheck(interleavings * FACTOR, SETTINGS, new Block(scenario));
			}
			catch (AssertionError ex) {
				System.out.printf("Found a failing interleaving: %d ms after the start (%d ms CPU, %d ms instrumenting), "
						+ "%d threads started%n", (System.nanoTime() - startedAt) / 1_000_000,
						(cpuTime() - cpuAtStart) / 1_000_000, (warmedAt - startedAt) / 1_000_000,
						Harness.threadsStarted() - firstThread);
				throw ex;
			}
			System.out.printf("Explored %d interleavings in %d ms (%d ms CPU), %d ms instrumenting%n",
					interleavings * FACTOR, (System.nanoTime() - warmedAt) / 1_000_000,
					(cpuTime() - cpuAtStart) / 1_000_000, (warmedAt - startedAt) / 1_000_000);
		}
		finally {
			engineLogger.setLevel(level);
		}
	}

	private static long cpuTime() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
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
