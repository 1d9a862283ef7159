package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.Measure.Round;

/**
 * dlock's lock conversion: one client holds a key alone in {@code PR} and converts it to
 * {@code EX} and back, back to back, so that every conversion is granted at once. Only
 * dlock converts a held lock in place, so there are no peers. On a backend that cannot
 * convert, the engine refuses the first conversion and the case fails with that message
 * (the run notes it) instead of reporting a figure.
 * <p>
 * <b>Paired floor.</b> The raw server operation a conversion needs
 * ({@link ConversionFloor}: Redis one {@code EVALSHA}, etcd one transaction, NATS one
 * revision-checked update in a bucket that a watcher consumes) is timed in the same rounds,
 * through the same client library instance as the backend: each round alternates
 * {@value #BLOCKS} blocks of raw operations with {@value #BLOCKS} blocks of conversions
 * (which goes first alternates too), so that both see the same load of a shared machine.
 * The ratio of the conversions' p50 to the raw operations' p50 is taken per round, and the
 * report gives its median over the rounds with the range; a floor measured in a separate
 * step seconds earlier made that ratio swing with the machine's load.
 * <p>
 * On NATS the floor is an update of a key in a bucket whose every write a watcher on the
 * same connection consumes, not an update in an unwatched bucket: dlock's design keeps one
 * watcher per bucket that must receive every write, the conversion's own included, before
 * it decides on anything, so the server pushes every conversion to that watcher over the
 * same connection as the reply; that cost belongs to the server operation the design
 * needs, not to the engine.
 * <p>
 * After the conversion blocks, each round acquires and releases {@code EX} on another key
 * for as long, the uncontended acquire an upgrade is compared with.
 * <p>
 * Reports round trips per second, the latency of every single conversion and of the paired
 * raw operations, their ratio per round, the {@code PR}→{@code EX} upgrades alone, the
 * whole round trip, and the acquires.
 */
final class Converting {

	static final String SECTION = "conversion";

	/** The figure with the per-round ratio of conversions to their paired raw operations. */
	static final String PAIRED_RATIO = "convert p50 ÷ paired floor p50";

	/** Blocks of raw operations and of conversions, alternating, per round. */
	static final int BLOCKS = 5;

	private static final Duration WAIT = Duration.ofSeconds(30);

	private Converting() {
	}

	static void run(Settings settings, Results results, DlockLibrary library) throws Exception {
		int rounds = settings.rounds();
		Duration block = settings.round().dividedBy(BLOCKS);
		double[] roundTrips = new double[rounds];
		double[] roundTripP50 = new double[rounds];
		double[][] convert = new double[2][rounds];
		double[][] floor = new double[2][rounds];
		double[] ratio = new double[rounds];
		double[][] upgrade = new double[2][rounds];
		double[][] acquire = new double[2][rounds];
		try (DlockLibrary.Client client = library.connectManager();
				ConversionFloor raw = (client.floor() != null) ? client.floor().open() : null) {
			LockManager manager = client.manager();
			String acquireKey = "bench-c-acquire-" + UUID.randomUUID();
			Measure.Step acquireAndRelease = (part) -> {
				long start = System.nanoTime();
				LockHandle handle = manager.acquire(acquireKey, LockMode.EX, WAIT);
				part.add(System.nanoTime() - start);
				handle.release();
			};
			Measure.Step rawOp = (part) -> raw.run();
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
				if (raw != null) {
					Measure.loop(settings.warmUp(), rawOp);
				}
				Measure.loop(settings.warmUp(), acquireAndRelease);
				for (int i = 0; i < rounds; i++) {
					conversions[0] = new Samples(4096);
					Samples roundTripSamples = new Samples(4096);
					Samples upgrades = new Samples(4096);
					Samples floorSamples = new Samples(4096);
					long convertingNanos = 0;
					for (int b = 0; b < 2 * BLOCKS; b++) {
						// raw first in even pairs of blocks, conversions first in odd ones
						boolean rawBlock = (raw != null) && ((b % 2 == 0) == ((b / 2) % 2 == 0));
						if (rawBlock) {
							floorSamples.addAll(Measure.loop(block, rawOp).samples());
						}
						else if (raw != null || b % 2 == 0) {
							long begin = System.nanoTime();
							Round converted = Measure.loop(block, roundTrip);
							convertingNanos += System.nanoTime() - begin;
							roundTripSamples.addAll(converted.samples());
							upgrades.addAll(converted.part());
						}
					}
					Round acquired = Measure.loop(settings.round(), acquireAndRelease);
					roundTrips[i] = roundTripSamples.size() * 1e9 / convertingNanos;
					roundTripP50[i] = roundTripSamples.percentileMillis(50);
					percentiles(convert, i, conversions[0]);
					percentiles(floor, i, floorSamples);
					ratio[i] = convert[0][i] / floor[0][i];
					percentiles(upgrade, i, upgrades);
					percentiles(acquire, i, acquired.part());
				}
			}
		}
		String server = library.server();
		add(results, server, "ops/s", "ops/s", Better.HIGHER, roundTrips);
		add(results, server, "round trip p50", "ms", Better.LOWER, roundTripP50);
		add(results, server, "convert p50", "ms", Better.LOWER, convert[0]);
		add(results, server, "convert p99", "ms", Better.LOWER, convert[1]);
		if (!ConversionFloor.name(server).isEmpty()) {
			add(results, server, "paired floor p50", "ms", Better.LOWER, floor[0]);
			add(results, server, "paired floor p99", "ms", Better.LOWER, floor[1]);
			add(results, server, PAIRED_RATIO, "x", Better.LOWER, ratio);
		}
		add(results, server, "upgrade p50", "ms", Better.LOWER, upgrade[0]);
		add(results, server, "upgrade p99", "ms", Better.LOWER, upgrade[1]);
		add(results, server, "acquire p50", "ms", Better.LOWER, acquire[0]);
		add(results, server, "acquire p99", "ms", Better.LOWER, acquire[1]);
	}

	private static void percentiles(double[][] figure, int round, Samples samples) {
		figure[0][round] = samples.percentileMillis(50);
		figure[1][round] = samples.percentileMillis(99);
	}

	private static void add(Results results, String server, String metric, String unit, Better better,
			double[] rounds) {
		results.add(new Figure(SECTION, server, Figure.DLOCK, metric, unit, better, rounds, null, null));
	}

}
