package dev.dlock.support;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

import dev.dlock.spi.LockThreads;

/**
 * Monotonic time and delayed tasks, injected so that tests can advance time instead of
 * sleeping. Thread-safe.
 *
 * @since 0.1.0
 */
public interface TimeSource {

	/**
	 * A monotonic clock reading, as {@link System#nanoTime()}.
	 * @return nanoseconds from an arbitrary origin
	 */
	long nanoTime();

	/**
	 * Runs a task once after a delay. The task must be quick and must not block.
	 * @param delay the delay; zero or negative runs it as soon as possible
	 * @param task the task
	 * @return a handle that cancels the task if it has not run yet
	 */
	Cancellable schedule(Duration delay, Runnable task);

	/**
	 * Fails a future with a {@link TimeoutException} after a timeout unless it completed
	 * first, as {@link CompletableFuture#orTimeout} does, but on this time source's timer
	 * instead of the JDK's shared delay thread: the timeout, and whatever follows it, runs
	 * on a thread of dlock's. The timer is cancelled when the future completes.
	 * @param <T> the result type
	 * @param future the future
	 * @param timeout how long it may take
	 * @param what what timed out, for the message
	 * @return the same future
	 */
	default <T> CompletableFuture<T> failAfter(CompletableFuture<T> future, Duration timeout, String what) {
		Cancellable timer = schedule(timeout,
				() -> future.completeExceptionally(new TimeoutException(what + " took longer than " + timeout)));
		future.whenComplete((result, failure) -> timer.cancel());
		return future;
	}

	/**
	 * The system's monotonic clock ({@link System#nanoTime()}) and a timer on one daemon
	 * thread, started by the first {@link #schedule}. Whoever creates it owns the thread
	 * and closes the time source when done.
	 * @param timerThreadName the name of the timer thread
	 * @return a new time source
	 */
	static Owned system(String timerThreadName) {
		return new SystemTimeSource(timerThreadName);
	}

	/**
	 * The system's monotonic clock ({@link System#nanoTime()}) with delayed tasks on the
	 * timer thread of a {@link LockThreads}, whose owner stops it.
	 * @param threads the threads
	 * @return a time source on them
	 */
	static TimeSource on(LockThreads threads) {
		return new TimeSource() {

			@Override
			public long nanoTime() {
				return System.nanoTime();
			}

			@Override
			public Cancellable schedule(Duration delay, Runnable task) {
				Future<?> future = threads.schedule(delay, task);
				return () -> future.cancel(false);
			}

		};
	}

	/**
	 * A time source with resources of its own (a timer thread), which its creator closes.
	 */
	interface Owned extends TimeSource, AutoCloseable {

		/**
		 * Stops the timer thread; tasks not yet run are dropped. Idempotent.
		 */
		@Override
		void close();

	}

	/**
	 * A scheduled task that can be cancelled.
	 */
	@FunctionalInterface
	interface Cancellable {

		/**
		 * Cancels the task if it has not started. Idempotent.
		 */
		void cancel();

	}

}
