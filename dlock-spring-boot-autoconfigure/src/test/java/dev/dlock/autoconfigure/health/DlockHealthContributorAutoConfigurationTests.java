package dev.dlock.autoconfigure.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spring.health.DlockHealthIndicator;
import dev.dlock.tck.ForwardingLockBackend;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests of {@link DlockHealthContributorAutoConfiguration} and {@link DlockHealthIndicator}.
 */
class DlockHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class,
				DlockHealthContributorAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void upOnTheInMemoryBackendWithTheBackendNamedAndARoundTrip() {
		this.runner.run((context) -> {
			Health health = context.getBean("dlockHealthIndicator", HealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("backend", "memory")
				.containsKey("roundTrip")
				.containsEntry("held", 0)
				.containsEntry("lost", 0);
		});
	}

	@Test
	void countsTheLocksHeld() {
		this.runner.run((context) -> {
			LockManager locks = context.getBean(LockManager.class);
			try (var handle = locks.tryAcquire("health-" + UUID.randomUUID(), LockMode.PR).orElseThrow()) {
				Health health = context.getBean(DlockHealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(Status.UP);
				assertThat(health.getDetails()).containsEntry("held", 1);
			}
		});
	}

	@Test
	void downWithTheReasonWhenTheBackendSaysSo() {
		this.runner.withUserConfiguration(DownBackendConfiguration.class).run((context) -> {
			Health health = context.getBean(DlockHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(health.getDetails()).containsEntry("backend", "memory")
				.containsEntry("reason", "connection refused by redis://***@db.example:6379")
				.doesNotContainKey("password")
				.containsEntry("cluster", false);
			assertThat(health.getDetails().toString()).doesNotContain("s3cret");
		});
	}

	@Test
	void downWhenTheBackendDoesNotAnswer() {
		LockBackend silent = new HealthOverride(new CompletableFuture<>());
		Health health = new DlockHealthIndicator(silent, null, Duration.ofMillis(50)).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("reason", "the backend did not answer within 50.0ms");
	}

	@Test
	void downWhenALockIsLost() {
		LockManager manager = mock(LockManager.class);
		given(manager.locks()).willReturn(List.of(new LockInfo("orders", LockMode.EX, LockInfo.State.LOST, 7L,
				Duration.ofSeconds(40), Duration.ZERO)));
		Health health = new DlockHealthIndicator(InMemoryLockBackend.create(), manager).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("lost", 1)
			.containsEntry("reason", "1 lock was lost: the session lease expired before it was renewed");
		assertThat(health.getDetails().toString()).doesNotContain("orders");
	}

	@Test
	void offWhenDisabled() {
		this.runner.withPropertyValues("management.health.dlock.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(DlockHealthIndicator.class));
	}

	@Test
	void offWithoutSpringBootHealth() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasSingleBean(LockManager.class)
				.doesNotHaveBean("dlockHealthIndicator"));
	}

	@Test
	void backsOffForTheApplicationsOwnIndicator() {
		this.runner.withBean("dlockHealthIndicator", HealthIndicator.class, () -> () -> Health.unknown().build())
			.run((context) -> assertThat(context).doesNotHaveBean(DlockHealthIndicator.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class DownBackendConfiguration {

		@Bean
		LockBackend lockBackend() {
			return new HealthOverride(CompletableFuture.completedFuture(
					new BackendHealth(false, Duration.ofMillis(3), "connection refused by redis://app:s3cret@db.example:6379",
							Map.of("password", "s3cret", "cluster", false))));
		}

	}

	/**
	 * The in-memory backend with a health answer of the test's choice.
	 */
	static final class HealthOverride extends ForwardingLockBackend {

		private final CompletableFuture<BackendHealth> health;

		HealthOverride(CompletableFuture<BackendHealth> health) {
			super(InMemoryLockBackend.create());
			this.health = health;
		}

		@Override
		public CompletableFuture<BackendHealth> health() {
			return this.health;
		}

	}

}
