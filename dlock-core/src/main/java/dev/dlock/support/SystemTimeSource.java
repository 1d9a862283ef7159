package dev.dlock.support;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The real clock and a one-thread scheduler on a daemon thread.
 *
 * @since 0.1.0
 */
public final class SystemTimeSource implements TimeSource, AutoCloseable {

	private final ScheduledThreadPoolExecutor scheduler;

	/**
	 * Creates a time source with its own timer thread.
	 * @param threadName the name of the timer thread
	 */
	public SystemTimeSource(String threadName) {
		this.scheduler = new ScheduledThreadPoolExecutor(1, (runnable) -> {
			Thread thread = new Thread(runnable, threadName);
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler.setRemoveOnCancelPolicy(true);
	}

	@Override
	public long nanoTime() {
		return System.nanoTime();
	}

	@Override
	public Cancellable schedule(Duration delay, Runnable task) {
		Future<?> future = this.scheduler.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
		return () -> future.cancel(false);
	}

	/**
	 * Stops the timer thread; tasks not yet run are dropped.
	 */
	@Override
	public void close() {
		this.scheduler.shutdownNow();
	}

}
