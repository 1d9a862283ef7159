package dev.dlock.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

	/** How long closing the client (after the releases) may take before the run goes on without it. */
	static final Duration CLOSE_TIME = Duration.ofMinutes(2);

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
		LockClient client = library.connect();
		try {
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
			double fillRate = count * 1e9 / (System.nanoTime() - start);
			double heapPerLock = (double) (usedHeapAfterGc() - heapBefore) / count;
			for (int i = 0; i < renewals.length; i++) {
				long before = servers.requests(library.server());
				long begin = System.nanoTime();
				Measure.pause(settings.scaleWindow());
				long after = servers.requests(library.server());
				renewals[i] = (after - before) * 1e9 / (System.nanoTime() - begin);
			}
			long threadsStarted = startedThreads() - threadsBefore - FILLERS;
			long dlockThreads = liveThreads().stream()
				.filter((thread) -> !liveBefore.contains(thread) && thread.getName().startsWith(DLOCK_THREADS))
				.count();
			long lost = held.stream().flatMap(List::stream).filter((lock) -> !lock.valid()).count();
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
			// before the client closes: a close that hangs keeps the figures
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
		finally {
			fillers.forEach(ExecutorService::shutdownNow);
			closeWithin(client, CLOSE_TIME, results, section, library);
		}
	}

	/**
	 * Closes the client on a thread of its own and waits at most {@code time}: a client that
	 * does not close in time (releases and renewals it cannot get through) is noted and left
	 * behind, so that the run goes on.
	 */
	private static void closeWithin(LockClient client, Duration time, Results results, String section,
			LockLibrary library) throws Exception {
		CompletableFuture<Void> closed = new CompletableFuture<>();
		Thread closer = new Thread(() -> {
			try {
				client.close();
				closed.complete(null);
			}
			catch (Throwable ex) {
				closed.completeExceptionally(ex);
			}
		}, "bench-scale-close");
		closer.setDaemon(true);
		closer.start();
		try {
			closed.get(time.toSeconds(), TimeUnit.SECONDS);
		}
		catch (TimeoutException ex) {
			results.note(library.server() + " · " + library.name() + " (" + section + ")",
					"the client did not close within " + time.toSeconds() + " s after releasing its locks; left open");
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
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
			Measure.pause(Duration.ofMillis(50));
		}
		return MEMORY.getHeapMemoryUsage().getUsed();
	}

}
