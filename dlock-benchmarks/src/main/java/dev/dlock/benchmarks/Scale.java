package dev.dlock.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.LockClient;

/**
 * One client holds many locks (10,000 in the full run) on distinct keys at once, with a
 * short lease so that renewal shows within a few seconds. Reports the heap each held lock
 * costs (used heap after full collections, with the client connected, before and after
 * acquiring), the server requests per second while the locks are only held (renewal), and
 * the threads the client started while connecting, acquiring and holding: dlock's own
 * (named {@code dlock-…}) apart from its client library's.
 */
final class Scale {

	static final String SECTION = "scale";

	/** Threads that take the locks (the client is still one). */
	static final int FILLERS = 8;

	/** How dlock names its threads (see {@code LockThreads}); a peer's threads all count as its client's. */
	static final String DLOCK_THREADS = "dlock-";

	static final String HEAP = "heap per held lock";

	static final String RENEWAL = "renewal requests/s";

	static final String LOST = "locks lost while held";

	static final String FILL_RATE = "acquire ops/s (" + FILLERS + " threads)";

	private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

	private Scale() {
	}

	static void run(Settings settings, Results results, Servers servers, LockLibrary library) throws Exception {
		run(settings, results, servers, library, SECTION);
	}

	/**
	 * The scale case with its figures in another section (the scaling report has one per
	 * number of locks).
	 */
	static void run(Settings settings, Results results, Servers servers, LockLibrary library, String section)
			throws Exception {
		int count = settings.scaleLocks();
		String prefix = "bench-s-" + UUID.randomUUID() + "-";
		long threadsBefore = startedThreads();
		Set<Thread> liveBefore = liveThreads();
		double fillRate;
		double heapPerLock;
		long threadsStarted;
		long dlockThreads;
		long lost;
		double[] renewals = new double[settings.scaleRounds()];
		// one thread per filler, so that each releases its locks on the thread that took them
		List<ExecutorService> fillers = new ArrayList<>();
		for (int t = 0; t < FILLERS; t++) {
			fillers.add(Executors.newSingleThreadExecutor((runnable) -> {
				Thread thread = new Thread(runnable, "bench-scale");
				thread.setDaemon(true);
				return thread;
			}));
		}
		try (LockClient client = library.connect()) {
			client.lock(prefix + "warm-up").unlock();
			long heapBefore = usedHeapAfterGc();
			long start = System.nanoTime();
			List<Future<List<Held>>> filled = new ArrayList<>();
			for (int t = 0; t < FILLERS; t++) {
				int first = t;
				filled.add(fillers.get(t).submit(() -> {
					List<Held> held = new ArrayList<>();
					for (int i = first; i < count; i += FILLERS) {
						held.add(client.lock(prefix + i));
					}
					return held;
				}));
			}
			List<List<Held>> held = new ArrayList<>();
			for (Future<List<Held>> future : filled) {
				held.add(future.get(10, TimeUnit.MINUTES));
			}
			fillRate = count * 1e9 / (System.nanoTime() - start);
			heapPerLock = (double) (usedHeapAfterGc() - heapBefore) / count;
			for (int i = 0; i < renewals.length; i++) {
				long before = servers.requests(library.server());
				long begin = System.nanoTime();
				Measure.pause(settings.scaleWindow());
				long after = servers.requests(library.server());
				renewals[i] = (after - before) * 1e9 / (System.nanoTime() - begin);
			}
			threadsStarted = startedThreads() - threadsBefore - FILLERS;
			dlockThreads = liveThreads().stream()
				.filter((thread) -> !liveBefore.contains(thread) && thread.getName().startsWith(DLOCK_THREADS))
				.count();
			lost = held.stream().flatMap(List::stream).filter((lock) -> !lock.valid()).count();
			List<Future<?>> released = new ArrayList<>();
			for (int t = 0; t < FILLERS; t++) {
				List<Held> mine = held.get(t);
				released.add(fillers.get(t).submit(() -> {
					for (Held lock : mine) {
						lock.unlock();
					}
					return null;
				}));
			}
			for (Future<?> future : released) {
				future.get(10, TimeUnit.MINUTES);
			}
		}
		finally {
			fillers.forEach(ExecutorService::shutdownNow);
		}
		add(results, section, library, HEAP, "bytes", new double[] { heapPerLock });
		add(results, section, library, RENEWAL, "req/s", renewals);
		if (library instanceof DlockLibrary) {
			add(results, section, library, "dlock threads", "threads", new double[] { dlockThreads });
			// only dlock tells; a lock lost before the release means renewal did not keep up
			add(results, section, library, LOST, "locks", new double[] { lost });
		}
		add(results, section, library, "client library threads", "threads",
				new double[] { threadsStarted - dlockThreads });
		results.add(new Figure(section, library.server(), library.name(), FILL_RATE, "ops/s", Better.HIGHER,
				new double[] { fillRate }, null, null));
	}

	private static void add(Results results, String section, LockLibrary library, String metric, String unit,
			double[] rounds) {
		results.add(new Figure(section, library.server(), library.name(), metric, unit, Better.LOWER, rounds, null,
				null));
	}

	/** Threads started in this JVM so far: unlike the live count, not lowered by other libraries' threads ending. */
	private static long startedThreads() {
		return ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
	}

	/** The live threads; dlock's are long-lived, so the new ones among them are all it started. */
	private static Set<Thread> liveThreads() {
		return Thread.getAllStackTraces().keySet();
	}

	static long usedHeapAfterGc() {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Measure.pause(java.time.Duration.ofMillis(50));
		}
		return MEMORY.getHeapMemoryUsage().getUsed();
	}

}
