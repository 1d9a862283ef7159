package dev.dlock.simulation;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lock engine under a deterministic simulation: thousands of seeds, each a run of
 * several clients against a server and network that delay, reorder and drop messages,
 * lose entries, restart and expire leases, checked after every step (see
 * {@link Simulation}).
 * <p>
 * Clients also convert their locks up, down and sideways (DESIGN.md §12), and the server
 * converts under the same faults. Some holders listen for blocking notifications, and
 * some of them release when told; the server's queue reads and queue signals travel
 * through the same faulty network, and the notices are checked both ways (none spurious,
 * none missed once faults have stopped).
 * <p>
 * {@code -Ddlock.simulation.seeds=N} runs N seeds (nightly: 100000), starting at
 * {@code -Ddlock.simulation.firstSeed}; {@code -Ddlock.simulation.seed=S} replays one
 * seed and prints its whole trace.
 */
class SimulationTests {

	private static final int DEFAULT_SEEDS = 4000;

	private static final Logger engineLogger = (Logger) LoggerFactory.getLogger("dev.dlock");

	private static Level engineLevel;

	@BeforeAll
	static void quietEngine() {
		// the engine warns about every failure the simulation injects; a replay keeps them
		engineLevel = engineLogger.getLevel();
		if (System.getProperty("dlock.simulation.seed") == null) {
			engineLogger.setLevel(Level.ERROR);
		}
	}

	@AfterAll
	static void restoreEngineLogging() {
		engineLogger.setLevel(engineLevel);
	}

	@Test
	void everySeedKeepsSafetyLivenessAndLeavesNothingBehind() {
		String replay = System.getProperty("dlock.simulation.seed");
		if (replay != null) {
			Simulation.Result result = new Simulation(Long.parseLong(replay), System.out::println).run();
			assertThat(result.violation()).as(() -> report(result, 1, 0, Map.of())).isNull();
			return;
		}
		long first = Long.getLong("dlock.simulation.firstSeed", 1L);
		int seeds = Integer.getInteger("dlock.simulation.seeds", DEFAULT_SEEDS);
		long started = System.nanoTime();
		long cpuStarted = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
		Map<String, Integer> reached = new TreeMap<>();
		Map<String, List<Long>> failures = new TreeMap<>();
		Map<String, String> firstFound = new LinkedHashMap<>();
		Simulation.Result firstFailure = null;
		long steps = 0;
		for (long seed = first; seed < first + seeds; seed++) {
			Simulation.Result result = new Simulation(seed, null).run();
			steps += result.steps();
			result.reached().forEach((what, count) -> reached.merge(what, count, Integer::sum));
			Simulation.Violation violation = result.violation();
			if (violation != null) {
				failures.computeIfAbsent(violation.kind, (kind) -> new ArrayList<>()).add(seed);
				firstFound.computeIfAbsent(violation.kind, (kind) -> String.format("seed %d, after %d seeds and %.1f s",
						result.seed(), result.seed() - first + 1, (System.nanoTime() - started) / 1e9));
				if (firstFailure == null) {
					firstFailure = result;
				}
			}
		}
		double seconds = (System.nanoTime() - started) / 1e9;
		double cpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStarted) / 1e9;
		System.out.printf("Simulation: %d seeds from %d, %d steps in %.1f s (%.1f s CPU); reached: %s%n", seeds,
				first, steps, seconds, cpu, reached);
		Simulation.Result failed = firstFailure;
		if (failed != null) {
			StringBuilder summary = new StringBuilder();
			failures.forEach((kind, list) -> summary.append(String.format("%n  %s: %d seeds, first found at %s; %s",
					kind, list.size(), firstFound.get(kind), list.subList(0, Math.min(10, list.size())))));
			System.out.println("Simulation failures:" + summary);
			assertThat(failed.violation()).as(() -> report(failed, seeds, seconds, failures) + summary).isNull();
		}
		// the runs must reach the interleavings that hid defects before
		assertThat(reached).containsKeys("poll answered GONE",
				"signal for a gone entry while the client's enqueue of the key is under way",
				"reply lost after the call was applied: enqueue", "cancel of a pending acquireAsync",
				"cancel while a grant of the key awaits delivery", "re-entrant hold", "acquire interrupted",
				"server restart", "client paused", "client crashed", "conversion up: converted",
				"conversion down: converted", "conversion sideways: converted",
				"conversion up: LockAcquisitionTimeoutException", "conversion up: InterruptedException",
				"conversion up: LockConversionDeadlockException", "conversion cancelled",
				"conversion down: LockBackendException", "reply lost after the call was applied: convert",
				"reply lost after the call was applied: cancelConversion",
				"withdrawal undoes a conversion granted on the server",
				"handle back to its old grant after a conversion it gave up", "blocking notice", "queue signal lost",
				"holder released on a blocking notice", "value written before the writer left",
				"value write refused: the writer is gone or no longer writes");
	}

	/**
	 * The checks can fail: a server that does not mark its waiters to draw a new token after
	 * a grant with a drawn one (a conversion's) hands out tokens out of order, and some seed
	 * shows it.
	 */
	@Test
	void aServerThatDoesNotMarkItsWaitersIsCaught() {
		Simulation.Result caught = null;
		long seed = 1;
		for (; seed <= 2000 && caught == null; seed++) {
			Simulation.Result result = new Simulation(seed, null, SimulatedServer.Breakage.NO_FRESH_TOKEN_FOR_WAITERS)
				.run();
			if (result.failed()) {
				caught = result;
			}
		}
		assertThat(caught).as("a violation within 2000 seeds").isNotNull();
		System.out.printf("Without the waiters' mark: seed %d fails: %s%n", caught.seed(), caught.violation().getMessage());
		assertThat(caught.violation().kind).isEqualTo("S2");
	}

	/**
	 * The blocking checks can fail: a server whose queue reads leave out what waits never
	 * lets the engine tell a holder what it blocks, and some seed shows it.
	 */
	@Test
	void aServerThatHidesItsWaitersFromQueueReadsIsCaught() {
		Simulation.Result caught = firstCaught(SimulatedServer.Breakage.QUEUE_HIDES_WAITERS);
		System.out.printf("Hiding the waiters: seed %d fails: %s%n", caught.seed(), caught.violation().getMessage());
		assertThat(caught.violation().kind).isEqualTo("BLOCKING-MISSED");
	}

	/**
	 * A server whose queue reads show every waiter in EX makes the engine tell holders of
	 * requests that never waited, and some seed shows it.
	 */
	@Test
	void aServerThatMisreportsTheModesOfItsWaitersIsCaught() {
		Simulation.Result caught = firstCaught(SimulatedServer.Breakage.QUEUE_SHOWS_WAITERS_AS_EX);
		System.out.printf("Waiters shown in EX: seed %d fails: %s%n", caught.seed(), caught.violation().getMessage());
		assertThat(caught.violation().kind).isEqualTo("BLOCKING-SPURIOUS");
	}

	/**
	 * The value checks can fail: a server that acknowledges value writes without storing
	 * them lets a writer leave before its value is there, and some seed shows it.
	 */
	@Test
	void aServerThatDropsValueWritesIsCaught() {
		Simulation.Result caught = firstCaught(SimulatedServer.Breakage.VALUES_DROPPED);
		System.out.printf("Value writes dropped: seed %d fails: %s%n", caught.seed(), caught.violation().getMessage());
		assertThat(caught.violation().kind).isEqualTo("VALUE-LOST");
	}

	private static Simulation.Result firstCaught(SimulatedServer.Breakage breakage) {
		for (long seed = 1; seed <= 2000; seed++) {
			Simulation.Result result = new Simulation(seed, null, breakage).run();
			if (result.failed()) {
				return result;
			}
		}
		throw new AssertionError("no violation within 2000 seeds with " + breakage);
	}

	@Test
	void aSeedReplaysExactly() {
		for (long seed = 1; seed <= 10; seed++) {
			Simulation.Result once = new Simulation(seed, null).run();
			Simulation.Result again = new Simulation(seed, null).run();
			assertThat(again.digest()).as("trace digest of seed %d", seed).isEqualTo(once.digest());
			assertThat(again.steps()).as("steps of seed %d", seed).isEqualTo(once.steps());
		}
	}

	private static String report(Simulation.Result result, int seeds, double seconds,
			Map<String, List<Long>> failures) {
		Simulation.Violation violation = result.violation();
		return String.format("Seed %d failed (%d of %d seeds failed, %.1f s): %s%nReplay: ./mvnw -pl dlock-core test "
				+ "-Dtest=SimulationTests#everySeedKeepsSafetyLivenessAndLeavesNothingBehind "
				+ "-Ddlock.simulation.seed=%d%nLast %d events:%n  %s%n", result.seed(),
				failures.values().stream().mapToInt(List::size).sum(), seeds, seconds,
				(violation != null) ? violation.getMessage() : "none", result.seed(), result.trace().size(),
				String.join(System.lineSeparator() + "  ", result.trace()));
	}

}
