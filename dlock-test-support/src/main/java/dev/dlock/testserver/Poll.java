package dev.dlock.testserver;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/** Bounded polling for the fixtures (they do not use Awaitility: the benchmarks run them outside any test). */
final class Poll {

	private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private Poll() {
	}

	/** A check that either passes or throws saying why not yet. */
	@FunctionalInterface
	interface Check {

		void run() throws Exception;

	}

	/**
	 * Runs {@code check} until it passes or {@code timeout} has passed; then throws an
	 * {@link IllegalStateException} with {@code what}, the last failure and {@code details}.
	 */
	static void until(String what, Duration timeout, Check check, Supplier<String> details) {
		long deadline = System.nanoTime() + timeout.toNanos();
		@Nullable Exception last = null;
		while (true) {
			try {
				check.run();
				return;
			}
			catch (Exception ex) {
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("Interrupted while waiting: " + what, ex);
				}
				if (ex instanceof Fatal) {
					throw (Fatal) ex;
				}
				last = ex;
			}
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(what + " (not within " + timeout.toMillis() + " ms; last check: " + last
						+ ")" + details.get(), last);
			}
			LockSupport.parkNanos(INTERVAL_NANOS);
			if (Thread.currentThread().isInterrupted()) {
				throw new IllegalStateException("Interrupted while waiting: " + what);
			}
		}
	}

	/** Thrown by a check to stop polling at once (for example: the process died). */
	static class Fatal extends IllegalStateException {

		private static final long serialVersionUID = 1L;

		Fatal(String message) {
			super(message);
		}

	}

}
