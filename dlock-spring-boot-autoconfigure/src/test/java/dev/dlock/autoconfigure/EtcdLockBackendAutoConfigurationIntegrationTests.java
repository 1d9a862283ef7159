package dev.dlock.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.spring.aop.LockProbe;
import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.RedisServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The etcd backend from {@code dlock.etcd.*} or over the application's client, against a
 * real etcd.
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

	private static void assertLocks(AssertableApplicationContext context) {
		new LockProbe(context.getBean(LockManager.class)).assertLocksAndReleases();
	}

	private static ByteSequence bytes(String value) {
		return ByteSequence.from(value, StandardCharsets.UTF_8);
	}

}
