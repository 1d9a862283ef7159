package dev.dlock.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.support.TimeSource;
import dev.dlock.tck.ManualTime;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wait timer on its own: the wait counts from when the caller asked, not from when the
 * timer was started, and a stop leaves no task behind whichever of the two came first.
 * (The race of the two on real threads: {@code EngineInterleavingTests}.)
 */
class WaitTimerTests {

	private final ManualTime time = new ManualTime();

	private final AtomicInteger expiries = new AtomicInteger();

	private final WaitTimer timer = new WaitTimer();

	@Test
	void theWaitCountsFromWhenTheCallerAsked() {
		long askedAt = this.time.nanoTime();
		this.time.advance(Duration.ofMillis(300));
		this.timer.start(this.time, askedAt, Duration.ofSeconds(1), this.expiries::incrementAndGet);
		this.time.advance(Duration.ofMillis(699));
		assertThat(this.expiries).hasValue(0);
		this.time.advance(Duration.ofMillis(1));
		assertThat(this.expiries).hasValue(1);
	}

	@Test
	void aWaitAlreadyOverWhenTheTimerStartsEndsAtOnce() {
		long askedAt = this.time.nanoTime();
		this.time.advance(Duration.ofSeconds(2));
		this.timer.start(this.time, askedAt, Duration.ofSeconds(1), this.expiries::incrementAndGet);
		this.time.advance(Duration.ZERO);
		assertThat(this.expiries).hasValue(1);
	}

	@Test
	void aStopAfterTheStartCancelsTheTask() {
		this.timer.start(this.time, this.time.nanoTime(), Duration.ofSeconds(1), this.expiries::incrementAndGet);
		assertThat(this.time.pendingTasks()).isOne();
		this.timer.stop();
		assertThat(this.time.pendingTasks()).isZero();
		this.time.advance(Duration.ofSeconds(2));
		assertThat(this.expiries).hasValue(0);
	}

	@Test
	void aStartAfterTheStopSchedulesNothing() {
		this.timer.stop();
		this.timer.start(this.time, this.time.nanoTime(), Duration.ofSeconds(1), this.expiries::incrementAndGet);
		assertThat(this.time.pendingTasks()).isZero();
	}

	@Test
	void aStopWhileTheTaskIsBeingScheduledCancelsIt() {
		// the stop lands between the start's first look and its storing of the task
		TimeSource stoppingAsItSchedules = new TimeSource() {

			@Override
			public long nanoTime() {
				return WaitTimerTests.this.time.nanoTime();
			}

			@Override
			public Cancellable schedule(Duration delay, Runnable task) {
				Cancellable scheduled = WaitTimerTests.this.time.schedule(delay, task);
				WaitTimerTests.this.timer.stop();
				return scheduled;
			}

		};
		this.timer.start(stoppingAsItSchedules, this.time.nanoTime(), Duration.ofSeconds(1),
				this.expiries::incrementAndGet);
		assertThat(this.time.pendingTasks()).isZero();
		this.time.advance(Duration.ofSeconds(2));
		assertThat(this.expiries).hasValue(0);
	}

}
