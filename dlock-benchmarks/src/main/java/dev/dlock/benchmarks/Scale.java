package dev.dlock.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.LockClient;

/**
 * One client holds many locks (10,000 in the full run) on distinct keys at once, with a
 * short lease so that renewal shows within a few seconds. Reports the heap each held lock
 * costs (used heap after full collections, with the client connected, before and after
 * acquiring), the server requests per second while the locks are only held (renewal), and
 * the threads the client added.
 */
final class Scale {

	static final String SECTION = "scale";

	private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

	private Scale() {
	}

	static void run(Settings settings, Results results, Servers servers, LockLibrary library) throws Exception {
		int count = settings.scaleLocks();
		String prefix = "bench-s-" + UUID.randomUUID() + "-";
		int threadsBefore = threadCount();
		List<Held> held = new ArrayList<>(count);
		double fillRate;
		double heapPerLock;
		int threadsAdded;
		double[] renewals = new double[settings.rounds()];
		try (LockClient client = library.connect()) {
			client.lock(prefix + "warm-up").unlock();
			long heapBefore = usedHeapAfterGc();
			long start = System.nanoTime();
			for (int i = 0; i < count; i++) {
				held.add(client.lock(prefix + i));
			}
			fillRate = count * 1e9 / (System.nanoTime() - start);
			heapPerLock = (double) (usedHeapAfterGc() - heapBefore) / count;
			threadsAdded = threadCount() - threadsBefore;
			for (int i = 0; i < settings.rounds(); i++) {
				long before = servers.requests(library.server());
				long begin = System.nanoTime();
				Measure.pause(settings.scaleWindow());
				long after = servers.requests(library.server());
				renewals[i] = (after - before) * 1e9 / (System.nanoTime() - begin);
			}
			for (Held lock : held) {
				lock.unlock();
			}
		}
		String locks = String.format("%,d locks", count);
		add(results, library, "heap per held lock", "bytes", new double[] { heapPerLock });
		add(results, library, "renewal requests/s", "req/s", renewals);
		add(results, library, "threads added", "threads", new double[] { threadsAdded });
		results.add(new Figure(SECTION, library.server(), library.name(), "acquire ops/s (" + locks + ")", "ops/s",
				Better.HIGHER, new double[] { fillRate }, null, null));
	}

	private static void add(Results results, LockLibrary library, String metric, String unit, double[] rounds) {
		results.add(new Figure(SECTION, library.server(), library.name(), metric, unit, Better.LOWER, rounds, null,
				null));
	}

	private static int threadCount() {
		return ManagementFactory.getThreadMXBean().getThreadCount();
	}

	static long usedHeapAfterGc() {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Measure.pause(java.time.Duration.ofMillis(50));
		}
		return MEMORY.getHeapMemoryUsage().getUsed();
	}

}
