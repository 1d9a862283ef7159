package dev.dlock.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.spring.aop.LockProbe;
import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.RedisServer;
import dev.dlock.testserver.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import dev.dlock.autoconfigure.health.DlockHealthContributorAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The etcd backend over the auto-configured client (from {@code dlock.etcd.*} or connection
 * details) or over the application's client, against real etcd servers.
 */
class EtcdLockBackendAutoConfigurationIntegrationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class));

	@Test
	void etcdIsDetectedFromItsEndpoints() {
		this.runner.withPropertyValues("dlock.etcd.endpoints=" + EtcdServer.shared().endpoint()).run((context) -> {
			assertThat(context).hasSingleBean(EtcdLockBackend.class);
			assertLocks(context);
		});
	}

	@Test
	void applicationsClientIsReusedAndStaysOpen() {
		try (Client client = Client.builder().endpoints(EtcdServer.shared().endpoint()).build()) {
			this.runner.withBean(Client.class, () -> client, (definition) -> definition.setDestroyMethodName(""))
				.run((context) -> {
					assertThat(context).hasSingleBean(EtcdLockBackend.class);
					assertLocks(context);
				});
			ByteSequence key = bytes("dlock-test/" + UUID.randomUUID());
			client.getKVClient().put(key, bytes("still open")).join();
		}
	}

	@Test
	void keyPrefixIsApplied() {
		String prefix = "app-" + UUID.randomUUID() + "/";
		this.runner
			.withPropertyValues("dlock.etcd.endpoints=" + EtcdServer.shared().endpoint(), "dlock.key-prefix=" + prefix)
			.run((context) -> {
				try (LockHandle handle = context.getBean(LockManager.class)
					.tryAcquire("prefixed", LockMode.EX)
					.orElseThrow();
						Client client = Client.builder().endpoints(EtcdServer.shared().endpoint()).build()) {
					long count = client.getKVClient()
						.get(bytes(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
						.join()
						.getCount();
					assertThat(count).isPositive();
				}
			});
	}

	@Test
	void valueRetentionIsApplied() {
		String prefix = "app-" + UUID.randomUUID() + "/";
		this.runner
			.withPropertyValues("dlock.etcd.endpoints=" + EtcdServer.shared().endpoint(), "dlock.key-prefix=" + prefix,
					"dlock.etcd.value-retention=2h")
			.run((context) -> {
				try (LockHandle handle = context.getBean(LockManager.class).tryAcquire("valued", LockMode.EX).orElseThrow()) {
					handle.setValue("kept".getBytes(StandardCharsets.UTF_8));
				}
				try (Client client = Client.builder().endpoints(EtcdServer.shared().endpoint()).build()) {
					// the release writes in the background
					List<KeyValue> values = await().until(() -> client.getKVClient()
						.get(bytes(prefix + ".value/"), GetOption.builder().isPrefix(true).build())
						.join()
						.getKvs(), (found) -> !found.isEmpty());
					// granted for the retention and a quarter more
					assertThat(client.getLeaseClient().timeToLive(values.get(0).getLease(), LeaseOption.DEFAULT).join().getTTL())
						.isBetween(Duration.ofHours(2).minusMinutes(1).toSeconds(), Duration.ofMinutes(150).toSeconds());
				}
			});
	}

	@Test
	void redisComesBeforeEtcdWhenBothAreConfigured() {
		this.runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.url=" + RedisServer.shared().uri(),
					"dlock.etcd.endpoints=" + EtcdServer.shared().endpoint())
			.run((context) -> assertThat(context).hasSingleBean(RedisLockBackend.class)
				.doesNotHaveBean(EtcdLockBackend.class));
	}

	@Test
	void namedBackendWinsOverDetection() {
		this.runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
			.withPropertyValues("dlock.backend=etcd", "spring.data.redis.url=" + RedisServer.shared().uri(),
					"dlock.etcd.endpoints=" + EtcdServer.shared().endpoint())
			.run((context) -> {
				assertThat(context).hasSingleBean(EtcdLockBackend.class).doesNotHaveBean(RedisLockBackend.class);
				assertLocks(context);
			});
	}

	@Test
	void connectionDetailsBeanSelectsEtcdAndSuppliesTheEndpoints() {
		EtcdConnectionDetails details = () -> List.of(EtcdServer.shared().endpoint());
		this.runner.withBean(EtcdConnectionDetails.class, () -> details).run((context) -> {
			assertThat(context).hasSingleBean(EtcdLockBackend.class).hasSingleBean(Client.class);
			assertLocks(context);
		});
	}

	@Test
	void userAndPasswordPropertiesAuthenticate() throws Exception {
		try (EtcdServer server = EtcdServer.start()) {
			try (Client admin = Client.builder().endpoints(server.endpoint()).build()) {
				admin.getAuthClient().roleAdd(bytes("root")).get();
				admin.getAuthClient().userAdd(bytes("root"), bytes("s3cret")).get();
				admin.getAuthClient().userGrantRole(bytes("root"), bytes("root")).get();
				admin.getAuthClient().authEnable().get();
			}
			this.runner
				.withPropertyValues("dlock.etcd.endpoints=" + server.endpoint(), "dlock.etcd.user=root",
						"dlock.etcd.password=s3cret")
				.run(EtcdLockBackendAutoConfigurationIntegrationTests::assertLocks);
		}
	}

	@Test
	void sslBundleReachesTheClient() {
		TestCertificates certificates = TestCertificates.create();
		try (EtcdServer server = EtcdServer.startWithTls(certificates)) {
			this.runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
				.withPropertyValues("dlock.etcd.endpoints=" + server.tlsEndpoint(), "dlock.etcd.tls.bundle=etcd",
						"spring.ssl.bundle.pem.etcd.truststore.certificate=file:" + certificates.caFile())
				.run(EtcdLockBackendAutoConfigurationIntegrationTests::assertLocks);
		}
	}

	@Test
	void healthIsDownWithinTheHealthTimeoutOnceTheServerIsGone() {
		try (EtcdServer server = EtcdServer.start()) {
			this.runner.withConfiguration(AutoConfigurations.of(DlockHealthContributorAutoConfiguration.class))
				.withPropertyValues("dlock.etcd.endpoints=" + server.endpoint(), "dlock.health.timeout=300ms")
				.run((context) -> HealthAfterServerLoss.assertDownWithinTheTimeout(context, server::kill));
		}
	}

	private static void assertLocks(AssertableApplicationContext context) {
		new LockProbe(context.getBean(LockManager.class)).assertLocksAndReleases();
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
