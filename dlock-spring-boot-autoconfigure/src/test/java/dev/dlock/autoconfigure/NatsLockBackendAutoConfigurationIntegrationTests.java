package dev.dlock.autoconfigure;

import java.util.UUID;

import dev.dlock.LockManager;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.spring.aop.LockProbe;
import dev.dlock.testserver.NatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The NATS JetStream backend from {@code dlock.nats.*} or over the application's
 * connection, against a real nats-server.
 */
class NatsLockBackendAutoConfigurationIntegrationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class));

	@Test
	void natsIsDetectedFromItsUrl() {
		this.runner.withPropertyValues("dlock.nats.url=" + NatsServer.shared().url()).run((context) -> {
			assertThat(context).hasSingleBean(NatsLockBackend.class);
			assertLocks(context);
		});
	}

	@Test
	void natsIsUsedWhenNamed() {
		this.runner.withPropertyValues("dlock.backend=nats", "dlock.nats.servers=" + NatsServer.shared().url())
			.run((context) -> {
				assertThat(context).hasSingleBean(NatsLockBackend.class);
				assertLocks(context);
			});
	}

	@Test
	void applicationsConnectionIsReusedAndStaysOpen() throws Exception {
		try (Connection connection = Nats.connect(NatsServer.shared().url())) {
			this.runner.withBean(Connection.class, () -> connection, (definition) -> definition.setDestroyMethodName(""))
				.run((context) -> {
					assertThat(context).hasSingleBean(NatsLockBackend.class);
					assertLocks(context);
				});
			assertThat(connection.getStatus()).isEqualTo(Connection.Status.CONNECTED);
		}
	}

	@Test
	void bucketIsApplied() throws Exception {
		String bucket = "app-" + UUID.randomUUID().toString().replace("-", "");
		this.runner.withPropertyValues("dlock.nats.url=" + NatsServer.shared().url(), "dlock.nats.bucket=" + bucket)
			.run((context) -> {
				assertLocks(context);
				try (Connection connection = Nats.connect(NatsServer.shared().url())) {
					assertThat(connection.keyValueManagement().getBucketNames()).contains(bucket);
				}
			});
	}

	private static void assertLocks(AssertableApplicationContext context) {
		new LockProbe(context.getBean(LockManager.class)).assertLocksAndReleases();
	}

}
