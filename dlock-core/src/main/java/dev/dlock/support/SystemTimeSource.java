package dev.dlock.support;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The real clock and a one-thread scheduler on a daemon thread, which the executor starts
 * with the first task. Made by {@link TimeSource#system}.
 */
final class SystemTimeSource implements TimeSource.Owned {

	private final ScheduledThreadPoolExecutor scheduler;

	SystemTimeSource(String threadName) {
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

	@Override
	public void close() {
		this.scheduler.shutdownNow();
	}

}
