package dev.dlock.engine;

import java.time.Duration;

import dev.dlock.support.TimeSource;
import org.jspecify.annotations.Nullable;

/**
 * The timer that ends a request's wait (an acquire or a conversion) when its wait time runs
 * out. The request starts it once it has gone out to the backend, so that scheduling the
 * timer (which may wake the timer thread) overlaps the server's round trip instead of
 * delaying the request; the wait still counts from when the caller asked. Starting and
 * stopping may race, from any threads: whichever comes second cancels the task, so that a
 * request decided while its timer was being scheduled leaves no task behind. A request stops
 * its timer when it ends, so one answered inside the call schedules none.
 */
final class WaitTimer {

	// guarded by this (the class is private to the engine: nothing else locks on it)
	private TimeSource.@Nullable Cancellable task;

	private boolean stopped;

	/**
	 * Schedules the expiry for the end of the wait, unless the timer was stopped already.
	 * @param askedAt when the caller asked, by the time source's clock
	 * @param waitTime the wait asked for, counted from {@code askedAt}
	 * @param onExpiry what ends the wait; runs on the timer thread
	 */
	void start(TimeSource time, long askedAt, Duration waitTime, Runnable onExpiry) {
		synchronized (this) {
			if (this.stopped) {
				return;
			}
		}
		TimeSource.Cancellable scheduled = time.schedule(waitTime.minusNanos(time.nanoTime() - askedAt), onExpiry);
		boolean late;
		synchronized (this) {
			late = this.stopped;
			if (!late) {
				this.task = scheduled;
			}
		}
		if (late) {
			scheduled.cancel();
		}
	}

	/** Cancels the expiry; a start after this schedules nothing. */
	void stop() {
		TimeSource.Cancellable scheduled;
		synchronized (this) {
			this.stopped = true;
			scheduled = this.task;
			this.task = null;
		}
		if (scheduled != null) {
			scheduled.cancel();
		}
	}

}
