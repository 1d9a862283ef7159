package dev.dlock.support;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The system time source: the monotonic clock, a timer on one named daemon thread that its
 * owner closes.
 */
class TimeSourceTests {

	@Test
	void runsTasksOnItsNamedDaemonThreadUntilClosed() throws Exception {
		CompletableFuture<Thread> ranOn = new CompletableFuture<>();
		try (TimeSource.Owned time = TimeSource.system("dlock-test-timer")) {
			long before = time.nanoTime();
			time.schedule(Duration.ZERO, () -> ranOn.complete(Thread.currentThread()));
			Thread thread = ranOn.get(5, TimeUnit.SECONDS);
			assertThat(thread.getName()).isEqualTo("dlock-test-timer");
			assertThat(thread.isDaemon()).isTrue();
			assertThat(time.nanoTime() - before).isNotNegative();
			time.close();
			assertThatExceptionOfType(RejectedExecutionException.class)
				.isThrownBy(() -> time.schedule(Duration.ZERO, () -> {
				}));
		}
	}

}
