package dev.dlock.autoconfigure;

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import dev.dlock.LockBackendException;
import dev.dlock.LockManager;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.spring.aop.LockProbe;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.TestCertificates;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The NATS JetStream backend over the auto-configured connection (from
 * {@code dlock.nats.*} or connection details) or over the application's connection,
 * against real nats-servers.
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

	@Test
	void bucketCountShardsTheLocks() throws Exception {
		String bucket = "app-" + UUID.randomUUID().toString().replace("-", "");
		List<String> shards = List.of(bucket + "-0", bucket + "-1", bucket + "-2");
		try (Connection connection = Nats.connect(NatsServer.shared().url())) {
			try {
				this.runner
					.withPropertyValues("dlock.nats.url=" + NatsServer.shared().url(), "dlock.nats.bucket=" + bucket,
							"dlock.nats.buckets=3")
					.run((context) -> {
						assertLocks(context);
						assertThat(connection.keyValueManagement().getBucketNames()).containsAll(shards)
							.contains(bucket + "-live")
							.doesNotContain(bucket);
					});
			}
			finally {
				for (String shard : shards) {
					connection.keyValueManagement().delete(shard);
				}
				connection.keyValueManagement().delete(bucket + "-live");
			}
		}
	}

	@Test
	void autoConfiguredConnectionReconnectsForeverAndIsClosedWithTheContext() {
		AtomicReference<Connection> connection = new AtomicReference<>();
		this.runner.withPropertyValues("dlock.nats.url=" + NatsServer.shared().url()).run((context) -> {
			connection.set(context.getBean(Connection.class));
			Options options = connection.get().getOptions();
			assertThat(options.getMaxReconnect()).isEqualTo(-1);
			assertThat(options.forceFlushOnRequest()).isFalse();
			assertThat(options.getConnectionName()).isEqualTo("dlock");
			assertLocks(context);
		});
		assertThat(connection.get().getStatus()).isEqualTo(Connection.Status.CLOSED);
	}

	@Test
	void connectionDetailsBeanSelectsNatsAndSuppliesTheServers() {
		NatsConnectionDetails details = () -> List.of(NatsServer.shared().url());
		this.runner.withBean(NatsConnectionDetails.class, () -> details).run((context) -> {
			assertThat(context).hasSingleBean(NatsLockBackend.class).hasSingleBean(Connection.class);
			assertLocks(context);
		});
	}

	@Test
	void tokenPropertyAuthenticatesAndAWrongOneFailsTheStartUp() {
		String token = "t0ken-" + UUID.randomUUID();
		try (NatsServer server = NatsServer.startWithToken(token)) {
			this.runner.withPropertyValues("dlock.nats.url=" + server.url(), "dlock.nats.token=" + token)
				.run(NatsLockBackendAutoConfigurationIntegrationTests::assertLocks);
			this.runner.withPropertyValues("dlock.nats.url=" + server.url(), "dlock.nats.token=wrong")
				.run((context) -> assertThat(context).getFailure()
					.hasRootCauseInstanceOf(IOException.class)
					.hasStackTraceContaining("Connecting to NATS failed"));
		}
	}

	@Test
	void userPasswordAndSslBundleReachTheConnection() {
		TestCertificates certificates = TestCertificates.create();
		String password = "s3cret-" + UUID.randomUUID();
		try (NatsServer server = NatsServer.startSecured(certificates, "dlock", password)) {
			this.runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
				.withPropertyValues("dlock.nats.url=" + server.tlsUrl(), "dlock.nats.user=dlock",
						"dlock.nats.password=" + password, "dlock.nats.tls.bundle=nats",
						"spring.ssl.bundle.pem.nats.truststore.certificate=file:" + certificates.caFile())
				.run(NatsLockBackendAutoConfigurationIntegrationTests::assertLocks);
		}
	}

	@Test
	void aMethodThatAsksForAnotherLeaseTimeIsRefusedBecauseABucketServesOneLeaseTime() {
		String bucket = "app-" + UUID.randomUUID().toString().replace("-", "");
		this.runner.withPropertyValues("dlock.nats.url=" + NatsServer.shared().url(), "dlock.nats.bucket=" + bucket)
			.withBean(ShortLease.class)
			.run((context) -> {
				assertThatExceptionOfType(LockBackendException.class)
					.isThrownBy(() -> context.getBean(ShortLease.class).run())
					.withMessageContaining("The NATS bucket '" + bucket + "' serves a lease time of PT30S")
					.withMessageContaining("but a lease time of PT5S was asked for");
				// the configured lease time still works
				assertLocks(context);
			});
	}

	private static void assertLocks(AssertableApplicationContext context) {
		new LockProbe(context.getBean(LockManager.class)).assertLocksAndReleases();
	}

	static class ShortLease {

		@DistributedLock(key = "short-lease", leaseTime = "5s")
		public void run() {
		}

	}

}
