package dev.dlock.shedlock.autoconfigure;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.shedlock.DlockLockProvider;
import net.javacrumbs.shedlock.core.LockAssert;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the ShedLock provider is auto-configured, and that {@code @SchedulerLock} methods
 * then lock through dlock.
 */
class DlockShedLockAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockShedLockAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void lockProviderOverTheLockManagerIsAutoConfigured() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(LockProvider.class)
			.getBean(LockProvider.class)
			.isInstanceOf(DlockLockProvider.class));
	}

	@Test
	void backsOffWhenTheApplicationDefinesALockProvider() {
		this.runner.withUserConfiguration(OwnLockProvider.class)
			.run((context) -> assertThat(context).hasSingleBean(LockProvider.class)
				.doesNotHaveBean(DlockLockProvider.class));
	}

	@Test
	void backsOffWithoutShedLockSpring() {
		this.runner.withClassLoader(new FilteredClassLoader(EnableSchedulerLock.class))
			.run((context) -> assertThat(context).hasSingleBean(LockManager.class).doesNotHaveBean(LockProvider.class));
	}

	@Test
	void backsOffWithoutALockManager() {
		this.runner.withPropertyValues("dlock.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LockManager.class)
				.doesNotHaveBean(LockProvider.class));
	}

	@Test
	void isRegisteredAsAnAutoConfiguration() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
			.contains(DlockShedLockAutoConfiguration.class.getName());
	}

	@Test
	void schedulerLockMethodRunsUnderADlockLockAndIsSkippedWhileTheLockIsHeldElsewhere() {
		this.runner.withUserConfiguration(ScheduledJobConfiguration.class).run((context) -> {
			ScheduledJob job = context.getBean(ScheduledJob.class);
			LockManager lockManager = context.getBean(LockManager.class);

			job.run();
			assertThat(job.runs()).isEqualTo(1);
			assertThat(job.lockedElsewhereWhileRunning()).isTrue();
			assertThat(job.fencingTokenWhileRunning()).isPositive();
			assertThat(DlockLockProvider.currentHandle()).as("no lock after the method").isEmpty();

			try (LockHandle held = lockManager.tryAcquire(ScheduledJob.NAME, LockMode.EX).orElseThrow()) {
				job.run();
				assertThat(job.runs()).as("skipped while another holder has the lock").isEqualTo(1);
			}
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnLockProvider {

		@Bean
		LockProvider ownLockProvider() {
			return (LockConfiguration configuration) -> Optional.<SimpleLock>empty();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableSchedulerLock(defaultLockAtMostFor = "PT30S")
	static class ScheduledJobConfiguration {

		@Bean
		ScheduledJob scheduledJob(LockManager lockManager) {
			return new ScheduledJob(lockManager);
		}

	}

	/** Proxied by ShedLock (a subclass), so the test reads its state through methods. */
	static class ScheduledJob {

		static final String NAME = "nightly-report";

		private final AtomicInteger runs = new AtomicInteger();

		private volatile boolean lockedElsewhereWhileRunning;

		private volatile long fencingTokenWhileRunning;

		private final LockManager lockManager;

		ScheduledJob(LockManager lockManager) {
			this.lockManager = lockManager;
		}

		@SchedulerLock(name = NAME)
		public void run() {
			LockAssert.assertLocked();
			this.runs.incrementAndGet();
			Optional<LockHandle> other = this.lockManager.tryAcquire(NAME, LockMode.EX);
			other.ifPresent(LockHandle::release);
			this.lockedElsewhereWhileRunning = other.isEmpty();
			LockHandle handle = DlockLockProvider.currentHandle().orElseThrow();
			assertThat(handle.key()).isEqualTo(NAME);
			this.fencingTokenWhileRunning = handle.fencingToken();
		}

		public long fencingTokenWhileRunning() {
			return this.fencingTokenWhileRunning;
		}

		public int runs() {
			return this.runs.get();
		}

		public boolean lockedElsewhereWhileRunning() {
			return this.lockedElsewhereWhileRunning;
		}

	}

}
