package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.Measure.Round;
import org.jspecify.annotations.Nullable;

/**
 * dlock's lock conversion: one client holds a key alone in {@code PR} and converts it to
 * {@code EX} and back, back to back, so that every conversion is granted at once; in the
 * same rounds it acquires and releases {@code EX} on another key, the uncontended acquire
 * an upgrade is compared with. Only dlock converts a held lock in place, so there are no
 * peers. On a backend that cannot convert, the engine refuses the first conversion and
 * the case fails with that message (the run notes it) instead of reporting a figure.
 * <p>
 * Reports round trips per second, the latency of every single conversion (against the
 * one raw server operation a conversion needs, {@link Floors#conversionOp}), of the
 * {@code PR}→{@code EX} upgrades alone, of the whole round trip, and of the acquires.
 */
final class Converting {

	static final String SECTION = "conversion";

	private static final Duration WAIT = Duration.ofSeconds(30);

	private Converting() {
	}

	static void run(Settings settings, Results results, DlockLibrary library) throws Exception {
		int rounds = settings.rounds();
		double[] roundTrips = new double[rounds];
		double[] roundTripP50 = new double[rounds];
		double[][] convert = new double[2][rounds];
		double[][] upgrade = new double[2][rounds];
		double[][] acquire = new double[2][rounds];
		try (DlockLibrary.Client client = library.connectManager()) {
			LockManager manager = client.manager();
			String acquireKey = "bench-c-acquire-" + UUID.randomUUID();
			Measure.Step acquireAndRelease = (part) -> {
				long start = System.nanoTime();
				LockHandle handle = manager.acquire(acquireKey, LockMode.EX, WAIT);
				part.add(System.nanoTime() - start);
				handle.release();
			};
			try (LockHandle held = manager.acquire("bench-c-" + UUID.randomUUID(), LockMode.PR, WAIT)) {
				Samples[] conversions = { new Samples() };
				Measure.Step roundTrip = (upgrades) -> {
					long start = System.nanoTime();
					held.convert(LockMode.EX, WAIT);
					long upgraded = System.nanoTime();
					held.convert(LockMode.PR, WAIT);
					long end = System.nanoTime();
					upgrades.add(upgraded - start);
					conversions[0].add(upgraded - start);
					conversions[0].add(end - upgraded);
				};
				Measure.loop(settings.warmUp(), roundTrip);
				Measure.loop(settings.warmUp(), acquireAndRelease);
				for (int i = 0; i < rounds; i++) {
					conversions[0] = new Samples(4096);
					Round converted = Measure.loop(settings.round(), roundTrip);
					Round acquired = Measure.loop(settings.round(), acquireAndRelease);
					roundTrips[i] = converted.opsPerSecond();
					roundTripP50[i] = converted.samples().percentileMillis(50);
					percentiles(convert, i, conversions[0]);
					percentiles(upgrade, i, converted.part());
					percentiles(acquire, i, acquired.part());
				}
			}
		}
		String server = library.server();
		String op = Floors.conversionOp(server);
		@Nullable String floor = op.isEmpty() ? null : op;
		add(results, server, "ops/s", "ops/s", Better.HIGHER, roundTrips, null, null);
		add(results, server, "round trip p50", "ms", Better.LOWER, roundTripP50, null, null);
		add(results, server, "convert p50", "ms", Better.LOWER, convert[0], floor, "p50");
		add(results, server, "convert p99", "ms", Better.LOWER, convert[1], floor, "p99");
		add(results, server, "upgrade p50", "ms", Better.LOWER, upgrade[0], null, null);
		add(results, server, "upgrade p99", "ms", Better.LOWER, upgrade[1], null, null);
		add(results, server, "acquire p50", "ms", Better.LOWER, acquire[0], null, null);
		add(results, server, "acquire p99", "ms", Better.LOWER, acquire[1], null, null);
	}

	private static void percentiles(double[][] figure, int round, Samples samples) {
		figure[0][round] = samples.percentileMillis(50);
		figure[1][round] = samples.percentileMillis(99);
	}

	private static void add(Results results, String server, String metric, String unit, Better better,
			double[] rounds, @Nullable String floorLibrary, @Nullable String floorMetric) {
		results.add(new Figure(SECTION, server, Figure.DLOCK, metric, unit, better, rounds, floorLibrary, floorMetric));
	}

}
