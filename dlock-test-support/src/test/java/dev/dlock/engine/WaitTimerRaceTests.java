package dev.dlock.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.support.TimeSource;
import dev.dlock.tck.ManualTime;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request starts its wait timer once it has gone out, so its grant can come (on another
 * thread) while the timer is being scheduled. These tests make it come at exactly that
 * point: the time source runs the step that grants the request from inside the scheduling
 * of the wait timer, after the task exists and before the request has stored it. The timer
 * must not outlive the request it bounded. A request answered inside the call (the memory
 * backend grants a free lock there) schedules no wait timer at all.
 */
class WaitTimerRaceTests {

	private static final String KEY = "raced";

	private static final Duration WAIT = Duration.ofSeconds(42);

	private final ManualTime time = new ManualTime();

	private final RacingTime racing = new RacingTime(this.time);

	private final InMemoryLockBackend memory = InMemoryLockBackend.builder().timeSource(this.time).build();

	private final LockManager holding = manager(this.time);

	private final LockManager waiting = manager(this.racing);

	@AfterEach
	void close() {
		this.holding.close();
		this.waiting.close();
		this.memory.close();
	}

	@Test
	void anAcquireGrantedWhileItsWaitTimerIsScheduledLeavesNoTimer() {
		LockHandle holder = this.holding.tryAcquire(KEY, LockMode.EX).orElseThrow();
		this.racing.whenTheWaitTimerIsScheduled(holder::release);
		CompletableFuture<LockHandle> acquired = this.waiting.acquireAsync(KEY, LockMode.EX,
				LockOptions.waitTime(WAIT));
		assertThat(acquired).isCompleted();
		assertThat(this.racing.waitTimer).as("the wait timer was scheduled").isNotNull();
		assertThat(this.racing.waitTimer.cancelled).as("the wait timer of a granted request was cancelled").isTrue();
		acquired.join().release();
	}

	@Test
	void aConversionGrantedWhileItsWaitTimerIsScheduledLeavesNoTimer() {
		LockHandle reader = this.holding.tryAcquire(KEY, LockMode.PR).orElseThrow();
		LockHandle converting = this.waiting.tryAcquire(KEY, LockMode.PR).orElseThrow();
		this.racing.whenTheWaitTimerIsScheduled(reader::release);
		CompletableFuture<LockHandle> converted = converting.convertAsync(LockMode.EX, LockOptions.waitTime(WAIT));
		assertThat(converted).isCompleted();
		assertThat(converting.mode()).isEqualTo(LockMode.EX);
		assertThat(this.racing.waitTimer).as("the wait timer was scheduled").isNotNull();
		assertThat(this.racing.waitTimer.cancelled).as("the wait timer of a granted conversion was cancelled")
			.isTrue();
		converting.release();
	}

	@Test
	void anAcquireGrantedInsideTheCallSchedulesNoWaitTimer() {
		LockHandle handle = this.waiting.acquireAsync(KEY, LockMode.EX, LockOptions.waitTime(WAIT)).join();
		assertThat(this.racing.waitTimersScheduled).isZero();
		handle.release();
	}

	@Test
	void aConversionGrantedInsideTheCallSchedulesNoWaitTimer() {
		LockHandle converting = this.waiting.tryAcquire(KEY, LockMode.PR).orElseThrow();
		converting.convertAsync(LockMode.EX, LockOptions.waitTime(WAIT)).join();
		assertThat(converting.mode()).isEqualTo(LockMode.EX);
		assertThat(this.racing.waitTimersScheduled).isZero();
		converting.release();
	}

	private LockManager manager(TimeSource timeSource) {
		return LockManagerBuilder.forBackend(this.memory)
			.timeSource(timeSource)
			.callbackExecutor(Runnable::run)
			.build();
	}

	/** Manual time that runs a step from inside the scheduling of the next wait timer. */
	private static final class RacingTime implements TimeSource {

		private final ManualTime time;

		private @Nullable Runnable step;

		private @Nullable Recorded waitTimer;

		private int waitTimersScheduled;

		RacingTime(ManualTime time) {
			this.time = time;
		}

		void whenTheWaitTimerIsScheduled(Runnable step) {
			this.step = step;
		}

		@Override
		public long nanoTime() {
			return this.time.nanoTime();
		}

		@Override
		public Cancellable schedule(Duration delay, Runnable task) {
			Cancellable scheduled = this.time.schedule(delay, task);
			if (!delay.equals(WAIT)) {
				return scheduled;
			}
			this.waitTimersScheduled++;
			Runnable pending = this.step;
			if (pending == null) {
				return scheduled;
			}
			this.step = null;
			this.waitTimer = new Recorded(scheduled);
			pending.run();
			return this.waitTimer;
		}

	}

	/** A task that remembers whether it was cancelled. */
	private static final class Recorded implements TimeSource.Cancellable {

		private final TimeSource.Cancellable task;

		private volatile boolean cancelled;

		Recorded(TimeSource.Cancellable task) {
			this.task = task;
		}

		@Override
		public void cancel() {
			this.cancelled = true;
			this.task.cancel();
		}

	}

}
