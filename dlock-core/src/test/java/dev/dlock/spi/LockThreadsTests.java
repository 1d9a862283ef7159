package dev.dlock.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dlock.support.TimeSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * dlock's two threads: named daemon threads started by their first task, a worker that a
 * task waiting for a later task cannot dead-lock, and nothing left after close.
 */
class LockThreadsTests {

	@Test
	void timerAndWorkerTasksRunOnTwoNamedDaemonThreads() throws Exception {
		try (LockThreads threads = LockThreads.create()) {
			CompletableFuture<Thread> timer = new CompletableFuture<>();
			CompletableFuture<Boolean> timerKnowsItself = new CompletableFuture<>();
			CompletableFuture<Thread> worker = new CompletableFuture<>();
			threads.schedule(Duration.ZERO, () -> {
				timerKnowsItself.complete(threads.isTimerThread());
				timer.complete(Thread.currentThread());
			});
			threads.worker().execute(() -> worker.complete(Thread.currentThread()));
			assertThat(timer.get(5, TimeUnit.SECONDS).getName()).startsWith("dlock-timer-");
			assertThat(worker.get(5, TimeUnit.SECONDS).getName()).startsWith("dlock-worker-");
			assertThat(timer.get().isDaemon()).isTrue();
			assertThat(worker.get().isDaemon()).isTrue();
			assertThat(timerKnowsItself.get()).isTrue();
			assertThat(threads.isTimerThread()).isFalse();
			CompletableFuture<Thread> handedOver = new CompletableFuture<>();
			threads.timer().execute(() -> handedOver.complete(Thread.currentThread()));
			assertThat(handedOver.get(5, TimeUnit.SECONDS)).isSameAs(timer.get());
		}
	}

	@Test
	void aWorkerTaskThatWaitsForATaskQueuedBehindItIsNotDeadLocked() throws Exception {
		// as a callback that acquires another lock and waits for its own hand-over
		try (LockThreads threads = LockThreads.create()) {
			CompletableFuture<String> later = new CompletableFuture<>();
			CompletableFuture<String> waited = new CompletableFuture<>();
			threads.worker().execute(() -> waited.complete(later.join()));
			threads.worker().execute(() -> later.complete("ran"));
			assertThat(waited.get(30, TimeUnit.SECONDS)).isEqualTo("ran");
		}
	}

	@Test
	void afterCloseTasksRunOnTheCallerDelayedTasksAreDroppedAndTheThreadsEnd() throws Exception {
		LockThreads threads = LockThreads.create();
		CompletableFuture<Thread> timer = new CompletableFuture<>();
		CompletableFuture<Thread> worker = new CompletableFuture<>();
		threads.timer().execute(() -> timer.complete(Thread.currentThread()));
		threads.worker().execute(() -> worker.complete(Thread.currentThread()));
		Thread timerThread = timer.get(5, TimeUnit.SECONDS);
		Thread workerThread = worker.get(5, TimeUnit.SECONDS);
		AtomicBoolean delayedRan = new AtomicBoolean();
		threads.schedule(Duration.ofDays(1), () -> delayedRan.set(true));
		threads.close();
		threads.close();
		Thread caller = Thread.currentThread();
		CompletableFuture<Thread> timerAfter = new CompletableFuture<>();
		CompletableFuture<Thread> workerAfter = new CompletableFuture<>();
		threads.timer().execute(() -> timerAfter.complete(Thread.currentThread()));
		threads.worker().execute(() -> workerAfter.complete(Thread.currentThread()));
		assertThat(timerAfter).isCompletedWithValue(caller);
		assertThat(workerAfter).isCompletedWithValue(caller);
		threads.schedule(Duration.ZERO, () -> delayedRan.set(true));
		timerThread.join(TimeUnit.SECONDS.toMillis(10));
		workerThread.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(timerThread.isAlive()).isFalse();
		assertThat(workerThread.isAlive()).isFalse();
		assertThat(delayedRan).isFalse();
	}

	@Test
	void failAfterFailsAFutureOnTheTimerThreadUnlessItCompletedFirst() throws Exception {
		try (LockThreads threads = LockThreads.create()) {
			TimeSource time = TimeSource.on(threads);
			CompletableFuture<String> late = new CompletableFuture<>();
			CompletableFuture<Boolean> failedOnTimer = late.handle((value, failure) -> threads.isTimerThread());
			assertThat(time.failAfter(late, Duration.ZERO, "A call")).isSameAs(late);
			// waited for before the failure is read: a thread woken from late.get() runs the
			// dependents still pending on late itself, so that read could run the check above
			assertThat(failedOnTimer.get(5, TimeUnit.SECONDS)).isTrue();
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> late.get(5, TimeUnit.SECONDS))
				.withCauseInstanceOf(TimeoutException.class)
				.withMessageContaining("A call took longer than PT0S");
			CompletableFuture<String> inTime = time.failAfter(new CompletableFuture<>(), Duration.ofDays(1), "A call");
			inTime.complete("done");
			assertThat(inTime).isCompletedWithValue("done");
		}
	}

}
