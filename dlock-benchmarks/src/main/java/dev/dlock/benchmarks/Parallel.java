package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fixed set of worker threads that run a step in a loop for a fixed time. The threads
 * stay the same across rounds, because some libraries bind a lock to its thread.
 */
final class Parallel implements AutoCloseable {

	private final ExecutorService pool;

	private final int threads;

	Parallel(int threads, String name) {
		this.threads = threads;
		this.pool = Executors.newFixedThreadPool(threads, (runnable) -> {
			Thread thread = new Thread(runnable, "bench-" + name);
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * Runs {@code step} on every thread back to back until {@code duration} has passed;
	 * each thread finishes its current step.
	 * @return calls per second over all threads
	 * @throws Exception what a step threw
	 */
	double run(Duration duration, IndexedStep step) throws Exception {
		AtomicBoolean stop = new AtomicBoolean();
		List<Future<Long>> counts = new ArrayList<>();
		long start = System.nanoTime();
		for (int i = 0; i < this.threads; i++) {
			int index = i;
			counts.add(this.pool.submit(() -> {
				long count = 0;
				while (!stop.get()) {
					step.run(index);
					count++;
				}
				return count;
			}));
		}
		Measure.pause(duration);
		stop.set(true);
		long total = 0;
		for (Future<Long> count : counts) {
			total += count.get(60, TimeUnit.SECONDS);
		}
		return total * 1e9 / (System.nanoTime() - start);
	}

	@Override
	public void close() {
		this.pool.shutdownNow();
	}

	/** One call on one thread. */
	@FunctionalInterface
	interface IndexedStep {

		void run(int thread) throws Exception;

	}

}
