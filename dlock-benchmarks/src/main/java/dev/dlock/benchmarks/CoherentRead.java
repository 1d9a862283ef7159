package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockMode;
import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.coherence.CoherentValue;

/**
 * What a read through {@link CoherentValue} costs (DESIGN.md §12: blocking notifications
 * and value blocks). Three reads of one key, each round:
 * <ul>
 * <li><b>cached</b>: the copy is held ({@code PR}); {@code get()} answers from it. Timed
 * over many reads, and the server's own counters ({@link ServerCounters}) read around them
 * give the requests the server received per read;</li>
 * <li><b>revalidated</b>: another client took {@code EX} and let go without a new value, so
 * the copy was dropped; {@code get()} takes {@code PR} again, reads the value block, finds
 * the version unchanged and keeps the copy (no load);</li>
 * <li><b>plain</b>: what a caller without the helper does for each read: acquire
 * {@code PR}, read the value block, release.</li>
 * </ul>
 * Only dlock keeps a value block with its locks, so there are no peers.
 */
final class CoherentRead {

	static final String SECTION = "coherent";

	/** Requests the server received per cached read. */
	static final String REQUESTS_PER_CACHED_READ = "server requests per cached read";

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int CACHED_READS = 100_000;

	private CoherentRead() {
	}

	static void run(Settings settings, Results results, Servers servers, DlockLibrary library) throws Exception {
		int rounds = settings.rounds();
		int reads = settings.handOffs();
		double[] cachedNanos = new double[rounds];
		double[] requests = new double[rounds];
		double[][] revalidated = new double[2][rounds];
		double[][] plain = new double[2][rounds];
		String key = "bench-coherent-" + UUID.randomUUID();
		String server = library.server();
		try (DlockLibrary.Client reading = library.connectManager();
				DlockLibrary.Client writing = library.connectManager()) {
			long[] loads = new long[1];
			CoherentValue<Long> copy = CoherentValue.of(reading.manager(), key, () -> ++loads[0]);
			CoherentValue.of(writing.manager(), key, () -> 0L).update(() -> {
			}); // a known version, so that a revalidated read keeps its copy
			copy.get();
			for (int round = -1; round < rounds; round++) {
				copy.get();
				Map<String, Double> before = ServerCounters.read(servers, server);
				long started = System.nanoTime();
				for (int i = 0; i < CACHED_READS; i++) {
					copy.get();
				}
				long cached = System.nanoTime() - started;
				Map<String, Double> after = ServerCounters.read(servers, server);
				Samples dropped = new Samples(reads);
				Samples acquired = new Samples(reads);
				for (int i = 0; i < reads; i++) {
					writing.manager().acquire(key, LockMode.EX, WAIT).release(); // drops the copy
					long start = System.nanoTime();
					copy.get();
					dropped.add(System.nanoTime() - start);
					start = System.nanoTime();
					try (LockHandle handle = reading.manager().acquire(key, LockMode.PR, WAIT)) {
						handle.value();
					}
					acquired.add(System.nanoTime() - start);
				}
				if (round >= 0) {
					cachedNanos[round] = (double) cached / CACHED_READS;
					requests[round] = requests(server, ServerCounters.difference(before, after)) / CACHED_READS;
					revalidated[0][round] = dropped.percentileMillis(50);
					revalidated[1][round] = dropped.percentileMillis(99);
					plain[0][round] = acquired.percentileMillis(50);
					plain[1][round] = acquired.percentileMillis(99);
				}
			}
			if (loads[0] != 1) {
				throw new IllegalStateException("the copy was loaded " + loads[0] + " times; the version never moved");
			}
			copy.close();
		}
		add(results, server, "cached read", "ns", Better.LOWER, cachedNanos);
		add(results, server, REQUESTS_PER_CACHED_READ, "", Better.LOWER, requests);
		add(results, server, "revalidated read p50", "ms", Better.LOWER, revalidated[0]);
		add(results, server, "revalidated read p99", "ms", Better.LOWER, revalidated[1]);
		add(results, server, "plain PR read p50", "ms", Better.LOWER, plain[0]);
		add(results, server, "plain PR read p99", "ms", Better.LOWER, plain[1]);
	}

	/**
	 * The requests a server received, from the difference of its counters: Redis commands,
	 * etcd gRPC messages, NATS messages in.
	 */
	private static double requests(String server, Map<String, Double> difference) {
		return switch (server) {
			case "redis" -> difference.entrySet()
				.stream()
				.filter((counter) -> !counter.getKey().endsWith(ServerCounters.BYTES_SUFFIX))
				.mapToDouble(Map.Entry::getValue)
				.sum();
			case "etcd" -> difference.entrySet()
				.stream()
				.filter((counter) -> counter.getKey().startsWith("gRPC ") && !counter.getKey().endsWith("streams opened"))
				.mapToDouble(Map.Entry::getValue)
				.sum();
			case "nats" -> difference.getOrDefault("messages in", 0.0);
			default -> throw new IllegalArgumentException("No request counter for " + server);
		};
	}

	private static void add(Results results, String server, String metric, String unit, Better better,
			double[] rounds) {
		results.add(new Figure(SECTION, server, Figure.DLOCK, metric, unit, better, rounds, null, null));
	}

}
