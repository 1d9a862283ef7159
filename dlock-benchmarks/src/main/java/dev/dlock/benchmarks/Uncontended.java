package dev.dlock.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.LockClient;
import dev.dlock.benchmarks.Measure.Round;
import org.jspecify.annotations.Nullable;

/**
 * One thread, one client, one key: acquire then release, back to back. Reports pairs per
 * second, the latency of the acquire and of the pair, and the server requests per pair.
 */
final class Uncontended {

	static final String SECTION = "uncontended";

	private Uncontended() {
	}

	static void run(Settings settings, Results results, Servers servers, LockLibrary library) throws Exception {
		String server = library.server();
		String key = "bench-u-" + UUID.randomUUID();
		List<Round> rounds = new ArrayList<>();
		double[] requests = new double[settings.rounds()];
		try (LockClient client = library.connect()) {
			Measure.Step step = (part) -> {
				long start = System.nanoTime();
				Held held = client.lock(key);
				part.add(System.nanoTime() - start);
				held.unlock();
			};
			Measure.loop(settings.warmUp(), step);
			for (int i = 0; i < settings.rounds(); i++) {
				long before = servers.requests(server);
				Round round = Measure.loop(settings.round(), step);
				long after = servers.requests(server);
				rounds.add(round);
				// no count (ShedLock sends plain commands, memory has no server): no figure
				requests[i] = (before < 0 || after == before) ? Double.NaN
						: (double) (after - before) / round.samples().size();
			}
		}
		String single = Floors.singleOp(server);
		String pair = Floors.pair(server);
		add(results, library, "ops/s", "ops/s", Better.HIGHER, Measure.opsPerSecond(rounds), pair, "ops/s");
		add(results, library, "acquire p50", "ms", Better.LOWER, Measure.partPercentile(rounds, 50), single, "p50");
		add(results, library, "acquire p99", "ms", Better.LOWER, Measure.partPercentile(rounds, 99), single, "p99");
		add(results, library, "pair p50", "ms", Better.LOWER, Measure.percentile(rounds, 50), pair, "p50");
		add(results, library, "pair p99", "ms", Better.LOWER, Measure.percentile(rounds, 99), pair, "p99");
		if (Double.isFinite(Stats.median(requests))) {
			add(results, library, "requests/pair", "req", Better.LOWER, requests, null, null);
		}
	}

	private static void add(Results results, LockLibrary library, String metric, String unit, Better better,
			double[] rounds, @Nullable String floorLibrary, @Nullable String floorMetric) {
		results.add(new Figure(SECTION, library.server(), library.name(), metric, unit, better, rounds, floorLibrary,
				floorMetric));
	}

}
