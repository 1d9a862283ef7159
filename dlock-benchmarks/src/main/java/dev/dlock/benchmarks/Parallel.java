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
	 * @return calls per second over all threads, and the calls of each thread
	 * @throws Exception what a step threw
	 */
	Outcome run(Duration duration, IndexedStep step) throws Exception {
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
		long[] perThread = new long[this.threads];
		long total = 0;
		for (int i = 0; i < this.threads; i++) {
			perThread[i] = counts.get(i).get(60, TimeUnit.SECONDS);
			total += perThread[i];
		}
		return new Outcome(total * 1e9 / (System.nanoTime() - start), perThread);
	}

	@Override
	public void close() {
		this.pool.shutdownNow();
	}

	/**
	 * What a run did.
	 * @param rate calls per second over all threads
	 * @param perThread the calls of each thread
	 */
	record Outcome(double rate, long[] perThread) {

		/** The fewest calls of a thread divided by the most: 1 when every thread got as many turns. */
		double evenness() {
			long fewest = Long.MAX_VALUE;
			long most = 0;
			for (long count : this.perThread) {
				fewest = Math.min(fewest, count);
				most = Math.max(most, count);
			}
			return (most == 0) ? Double.NaN : (double) fewest / most;
		}

	}

	/** One call on one thread. */
	@FunctionalInterface
	interface IndexedStep {

		void run(int thread) throws Exception;

	}

}
