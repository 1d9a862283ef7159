package dev.dlock.spring.aop;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @DistributedLock} method hears through {@link DistributedLocks#currentHandle()}
 * that a conflicting request waits for its lock, and can give the lock up early.
 */
class DistributedLockBlockingTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory")
		.withUserConfiguration(ScanningConfiguration.class);

	@Test
	void aMethodThatIsToldOfAWaitingWriterReturnsAndItsLockGoesToTheWriter() {
		this.runner.run((context) -> {
			String key = "scan:" + UUID.randomUUID();
			LockManager lockManager = context.getBean(LockManager.class);
			Scanning scanning = context.getBean(Scanning.class);
			CompletableFuture<LockMode> scan = CompletableFuture.supplyAsync(() -> scanning.scanUntilBlocked(key),
					(task) -> new Thread(task).start());
			await().atMost(Duration.ofSeconds(10)).until(() -> !lockManager.locks().isEmpty());
			LockHandle writer = lockManager.acquire(key, LockMode.EX, Duration.ofSeconds(10));
			assertThat(scan.get(10, TimeUnit.SECONDS)).as("the mode the method was told of").isEqualTo(LockMode.EX);
			writer.release();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class ScanningConfiguration {

		@Bean
		Scanning scanning() {
			return new Scanning();
		}

	}

	static class Scanning {

		@DistributedLock(key = "#{#key}", mode = LockMode.PR, waitTime = "5s")
		public LockMode scanUntilBlocked(String key) {
			CountDownLatch blocked = new CountDownLatch(1);
			LockMode[] told = new LockMode[1];
			DistributedLocks.currentHandle().orElseThrow().onBlocking((mode) -> {
				told[0] = mode;
				blocked.countDown();
			});
			try {
				if (!blocked.await(10, TimeUnit.SECONDS)) {
					throw new IllegalStateException("never told of the waiting writer");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			return told[0];
		}

	}

}
