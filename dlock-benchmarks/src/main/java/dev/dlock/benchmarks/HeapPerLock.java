package dev.dlock.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;
import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.RedisServer;
import io.etcd.jetcd.Client;
import io.lettuce.core.RedisClient;
import io.nats.client.Connection;
import io.nats.client.Nats;

/**
 * Where the heap of held locks goes: one lock manager holds N locks on distinct keys, and
 * the program prints the heap per held lock (used heap after full collections, before and
 * after acquiring, as the scale case measures it) and the classes whose instances grew the
 * most, per lock, from the JVM's class histogram (the least of a few samples, so that a
 * renewal round in flight does not count). Not a timing measurement.
 * <p>
 * Usage: {@code HeapPerLock <memory|redis|etcd|nats> <locks> <short|long> [rows [lease seconds]]}. A short
 * key is {@code o-<n>}; a long one has the scale case's prefix
 * {@code bench-s-<uuid>-<n>}. Starts its own server on a free port.
 */
public final class HeapPerLock {

	private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)",
			Pattern.MULTILINE);

	/**
	 * Long by default, so that few renewal rounds run, and none is likely in flight while
	 * the heap is measured.
	 */
	private static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

	private static final int SAMPLES = 3;

	private HeapPerLock() {
	}

	/**
	 * Runs the measurement.
	 * @param args the server, the number of locks, the key length and optionally the rows
	 * of the histogram to print
	 * @throws Exception if a server or a lock fails
	 */
	public static void main(String[] args) throws Exception {
		System.setProperty("logback.configurationFile", "benchmarks-logback.xml");
		String server = args[0];
		int count = Integer.parseInt(args[1]);
		boolean longKeys = args[2].equals("long");
		int rows = (args.length > 3) ? Integer.parseInt(args[3]) : 25;
		Duration lease = (args.length > 4) ? Duration.ofSeconds(Long.parseLong(args[4])) : DEFAULT_LEASE;
		String prefix = longKeys ? "bench-s-" + UUID.randomUUID() + "-" : "o-";
		List<AutoCloseable> resources = new ArrayList<>();
		try {
			LockBackend backend = backend(server, resources);
			try (LockManager manager = LockManagerBuilder.forBackend(backend).leaseTime(lease).build()) {
				manager.acquire(prefix + "warm-up", LockMode.EX, Duration.ofSeconds(30)).release();
				Map<String, long[]> before = histogram();
				long heapBefore = Scale.usedHeapAfterGc();
				long start = System.nanoTime();
				List<LockHandle> held = fill(manager, prefix, count);
				double fillSeconds = (System.nanoTime() - start) / 1e9;
				// the least of a few samples: a renewal round in flight holds its calls' buffers
				long heapAfter = Long.MAX_VALUE;
				Map<String, long[]> after = Map.of();
				for (int i = 0; i < SAMPLES; i++) {
					Measure.pause(Duration.ofMillis(500));
					long heap = Scale.usedHeapAfterGc();
					if (heap < heapAfter) {
						heapAfter = heap;
						after = histogram();
					}
				}
				System.out.printf(Locale.ROOT, "%s, %,d locks, %s keys (e.g. '%s'): %.0f bytes per held lock; "
						+ "filled in %.1f s (%,.0f locks/s); %d still valid%n", server, count,
						longKeys ? "long" : "short", prefix + (count - 1), (double) (heapAfter - heapBefore) / count,
						fillSeconds, count / fillSeconds, held.stream().filter(LockHandle::isValid).count());
				printGrowth(before, after, count, rows);
				for (LockHandle handle : held) {
					handle.release();
				}
			}
			backend.close();
		}
		finally {
			for (int i = resources.size() - 1; i >= 0; i--) {
				resources.get(i).close();
			}
		}
		System.exit(0);
	}

	private static List<LockHandle> fill(LockManager manager, String prefix, int count) throws Exception {
		ExecutorService fillers = Executors.newFixedThreadPool(Scale.FILLERS);
		try {
			List<Future<List<LockHandle>>> filled = new ArrayList<>();
			for (int t = 0; t < Scale.FILLERS; t++) {
				int first = t;
				filled.add(fillers.submit(() -> {
					List<LockHandle> held = new ArrayList<>();
					for (int i = first; i < count; i += Scale.FILLERS) {
						held.add(manager.acquire(prefix + i, LockMode.EX, Duration.ofSeconds(30)));
					}
					return held;
				}));
			}
			List<LockHandle> held = new ArrayList<>(count);
			for (Future<List<LockHandle>> future : filled) {
				held.addAll(future.get(30, TimeUnit.MINUTES));
			}
			return held;
		}
		finally {
			fillers.shutdownNow();
		}
	}

	private static LockBackend backend(String server, List<AutoCloseable> resources) {
		switch (server) {
			case "memory" -> {
				return InMemoryLockBackend.create();
			}
			case "redis" -> {
				RedisServer redis = RedisServer.start();
				resources.add(redis);
				RedisClient client = RedisClient.create(redis.uri());
				resources.add(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
				return RedisLockBackend.builder(client).build();
			}
			case "etcd" -> {
				EtcdServer etcd = EtcdServer.start();
				resources.add(etcd);
				Client client = Client.builder().endpoints(etcd.endpoint()).build();
				resources.add(client);
				return EtcdLockBackend.builder(client).build();
			}
			case "nats" -> {
				NatsServer nats = NatsServer.start();
				resources.add(nats);
				try {
					Connection connection = Nats.connect(nats.url());
					resources.add(connection);
					return NatsLockBackend.builder(connection).bucket("dlock-heap").build();
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(ex);
				}
			}
			default -> throw new IllegalArgumentException("Unknown server " + server);
		}
	}

	/** The live instances and bytes of each class, after a full collection. */
	private static Map<String, long[]> histogram() throws Exception {
		String text = (String) ManagementFactory.getPlatformMBeanServer()
			.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
					new Object[] { null }, new String[] { String[].class.getName() });
		Map<String, long[]> classes = new HashMap<>();
		Matcher matcher = HISTOGRAM_ROW.matcher(text);
		while (matcher.find()) {
			classes.put(matcher.group(3), new long[] { Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)) });
		}
		return classes;
	}

	private static void printGrowth(Map<String, long[]> before, Map<String, long[]> after, int count, int rows) {
		List<Map.Entry<String, long[]>> growth = new ArrayList<>();
		long total = 0;
		for (Map.Entry<String, long[]> row : after.entrySet()) {
			long[] was = before.getOrDefault(row.getKey(), new long[2]);
			long[] grown = { row.getValue()[0] - was[0], row.getValue()[1] - was[1] };
			total += grown[1];
			growth.add(Map.entry(row.getKey(), grown));
		}
		growth.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
		System.out.printf(Locale.ROOT, "histogram growth: %.0f bytes per lock in all; the largest:%n",
				(double) total / count);
		System.out.printf(Locale.ROOT, "  %10s %12s  %s%n", "bytes/lock", "objects/lock", "class");
		for (Map.Entry<String, long[]> row : growth.subList(0, Math.min(rows, growth.size()))) {
			System.out.printf(Locale.ROOT, "  %10.1f %12.2f  %s%n", (double) row.getValue()[1] / count,
					(double) row.getValue()[0] / count, row.getKey());
		}
	}

}
