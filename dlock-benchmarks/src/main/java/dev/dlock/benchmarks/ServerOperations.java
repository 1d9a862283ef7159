package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.LockClient;

/**
 * What each lock operation costs the server, counted by the server itself
 * ({@link ServerCounters}) around many operations of one kind, one after the other:
 * acquires on distinct keys, their releases, hand-off cycles (a holder, a second client that
 * asks and waits, the holder's release, the waiter's grant and release) and the renewal
 * rounds of a client that holds many locks. Every counter that changed is reported per
 * operation (per round for renewal), as a figure {@code <operation> · <counter>}.
 * <p>
 * The acquires, releases and hand-offs run under a lease long enough that no renewal round
 * falls among them; the renewal rounds under a short one, so that a window holds many.
 */
final class ServerOperations {

	static final String SECTION = "server operations";

	static final String ACQUIRE = "acquire";

	static final String RELEASE = "release";

	static final String HAND_OFF_CYCLE = "hand-off cycle";

	/** A hand-off cycle less the two acquires and two releases it contains: what waiting adds. */
	static final String HAND_OFF = "hand-off beyond its acquires and releases";

	static final String RENEWAL = "renewal round";

	static final String SEPARATOR = " · ";

	/** The lease of the acquires, releases and hand-offs: its renewal period outlasts them. */
	static final Duration LONG_LEASE = Duration.ofSeconds(300);

	/** The lease of the renewal count: a round a second. */
	static final Duration RENEWAL_LEASE = Duration.ofSeconds(3);

	private static final Duration RENEWAL_WINDOW = Duration.ofSeconds(12);

	/** How long the waiter of a hand-off waits before the holder releases. */
	private static final Duration WAITING = Duration.ofMillis(20);

	/** dlock releases in the background; this is time for the last release to reach the server. */
	private static final Duration SETTLE = Duration.ofMillis(500);

	private ServerOperations() {
	}

	/**
	 * Counts the server operations of each lock operation.
	 * @param operations the library with {@link #LONG_LEASE}
	 * @param renewing the same library with {@link #RENEWAL_LEASE}
	 * @param count acquires and releases to count, and locks held while renewal is counted
	 * @param handOffs hand-off cycles to count
	 */
	static void run(Results results, Servers servers, LockLibrary operations, LockLibrary renewing, int count,
			int handOffs) throws Exception {
		String server = operations.server();
		String prefix = "bench-o-" + UUID.randomUUID() + "-";
		ExecutorService waiterThread = HandOff.single("waiter");
		try (LockClient client = operations.connect(); LockClient waiter = operations.connect()) {
			client.lock(prefix + "warm-up").unlock();
			waiterThread.submit(() -> {
				waiter.lock(prefix + "warm-up").unlock();
				return null;
			}).get(30, TimeUnit.SECONDS);
			Measure.pause(SETTLE);
			Map<String, Double> before = ServerCounters.read(servers, server);
			List<Held> held = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				held.add(client.lock(prefix + i));
			}
			Measure.pause(SETTLE);
			Map<String, Double> acquired = ServerCounters.read(servers, server);
			for (Held lock : held) {
				lock.unlock();
			}
			Measure.pause(SETTLE);
			Map<String, Double> released = ServerCounters.read(servers, server);
			for (int i = 0; i < handOffs; i++) {
				String key = prefix + "h-" + i;
				Held holding = client.lock(key);
				Future<?> waiting = waiterThread.submit(() -> {
					waiter.lock(key).unlock();
					return null;
				});
				Measure.pause(WAITING);
				holding.unlock();
				waiting.get(30, TimeUnit.SECONDS);
			}
			Measure.pause(SETTLE);
			Map<String, Double> handedOff = ServerCounters.read(servers, server);
			Map<String, Double> acquire = perOperation(ServerCounters.difference(before, acquired), count);
			Map<String, Double> release = perOperation(ServerCounters.difference(acquired, released), count);
			Map<String, Double> cycle = perOperation(ServerCounters.difference(released, handedOff), handOffs);
			add(results, server, ACQUIRE, acquire);
			add(results, server, RELEASE, release);
			add(results, server, HAND_OFF_CYCLE, cycle);
			add(results, server, HAND_OFF, beyond(cycle, acquire, release));
		}
		finally {
			waiterThread.shutdownNow();
		}
		add(results, server, RENEWAL + " (" + String.format("%,d", count) + " held)",
				renewalRound(servers, renewing, prefix, count));
	}

	/** The counters of one renewal round of a client holding {@code count} locks. */
	private static Map<String, Double> renewalRound(Servers servers, LockLibrary renewing, String prefix, int count)
			throws Exception {
		try (LockClient client = renewing.connect()) {
			List<Held> held = new ArrayList<>(count);
			for (int i = 0; i < count; i++) {
				held.add(client.lock(prefix + "r-" + i));
			}
			Measure.pause(SETTLE);
			Map<String, Double> before = ServerCounters.read(servers, renewing.server());
			long start = System.nanoTime();
			Measure.pause(RENEWAL_WINDOW);
			Map<String, Double> after = ServerCounters.read(servers, renewing.server());
			double rounds = (System.nanoTime() - start) / (double) RENEWAL_LEASE.dividedBy(3).toNanos();
			for (Held lock : held) {
				lock.unlock();
			}
			return perOperation(ServerCounters.difference(before, after), rounds);
		}
	}

	private static Map<String, Double> perOperation(Map<String, Double> counters, double operations) {
		Map<String, Double> per = new TreeMap<>();
		counters.forEach((name, value) -> per.put(name, value / operations));
		return per;
	}

	private static Map<String, Double> beyond(Map<String, Double> cycle, Map<String, Double> acquire,
			Map<String, Double> release) {
		Map<String, Double> extra = new TreeMap<>();
		cycle.forEach((name, value) -> {
			if (!name.endsWith(ServerCounters.BYTES_SUFFIX)) {
				extra.put(name, value - 2 * (acquire.getOrDefault(name, 0.0) + release.getOrDefault(name, 0.0)));
			}
		});
		return extra;
	}

	private static void add(Results results, String server, String operation, Map<String, Double> counters) {
		counters.forEach((name, value) -> results.add(new Figure(SECTION, server, Figure.DLOCK,
				operation + SEPARATOR + name, name.endsWith(ServerCounters.BYTES_SUFFIX) ? "bytes" : "per op",
				Better.LOWER, new double[] { value }, null, null)));
	}

}
