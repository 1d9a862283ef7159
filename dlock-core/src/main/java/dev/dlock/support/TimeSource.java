package dev.dlock.support;

import java.time.Duration;

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
