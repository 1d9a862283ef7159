package dev.dlock.autoconfigure;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.spring.aop.LockProbe;
import dev.dlock.testserver.RedisCluster;
import dev.dlock.testserver.RedisServer;
import dev.dlock.autoconfigure.health.DlockHealthContributorAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis backend over the connection that Spring Boot configured from
 * {@code spring.data.redis.*}, against real servers.
 */
class RedisLockBackendAutoConfigurationIntegrationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, DlockAutoConfiguration.class,
				DlockAopAutoConfiguration.class));

	@Test
	void redisIsDetectedFromSpringDataRedis() {
		this.runner.withPropertyValues("spring.data.redis.url=" + RedisServer.shared().uri()).run((context) -> {
			assertThat(context).hasSingleBean(RedisLockBackend.class);
			assertLocks(context);
		});
	}

	@Test
	void redisIsUsedWhenNamed() {
		this.runner.withPropertyValues("dlock.backend=redis", "spring.data.redis.url=" + RedisServer.shared().uri())
			.run((context) -> {
				assertThat(context).hasSingleBean(RedisLockBackend.class);
				assertLocks(context);
			});
	}

	@Test
	void keyPrefixIsApplied() {
		String prefix = "app-" + UUID.randomUUID() + ":";
		this.runner
			.withPropertyValues("spring.data.redis.url=" + RedisServer.shared().uri(), "dlock.key-prefix=" + prefix)
			.run((context) -> {
				try (LockHandle handle = context.getBean(LockManager.class)
					.tryAcquire("prefixed", LockMode.EX)
					.orElseThrow()) {
					StringRedisTemplate redis = new StringRedisTemplate(
							context.getBean(RedisConnectionFactory.class));
					assertThat(redis.keys(prefix + "*")).isNotEmpty();
				}
			});
	}

	@Test
	void valueRetentionIsApplied() {
		String prefix = "app-" + UUID.randomUUID() + ":";
		this.runner
			.withPropertyValues("spring.data.redis.url=" + RedisServer.shared().uri(), "dlock.key-prefix=" + prefix,
					"dlock.redis.value-retention=90s")
			.run((context) -> {
				try (LockHandle handle = context.getBean(LockManager.class)
					.tryAcquire("valued", LockMode.EX)
					.orElseThrow()) {
					handle.setValue(new byte[] { 42 });
				}
				StringRedisTemplate redis = new StringRedisTemplate(context.getBean(RedisConnectionFactory.class));
				String value = redis.keys(prefix + "*")
					.stream()
					.filter((key) -> key.endsWith(":v"))
					.findFirst()
					.orElseThrow();
				// a retention after the write: 90 s, not the default day
				assertThat(redis.getExpire(value, TimeUnit.MILLISECONDS)).isBetween(80_000L, 90_000L);
				redis.delete(value);
			});
	}

	@Test
	void redisClusterConfiguredByBootIsUsed() {
		try (RedisCluster cluster = RedisCluster.start(3)) {
			List<String> nodes = cluster.nodes().stream().map((node) -> node.host() + ":" + node.port()).toList();
			this.runner.withPropertyValues("spring.data.redis.cluster.nodes=" + String.join(",", nodes))
				.run((context) -> {
					assertThat(context).hasSingleBean(RedisLockBackend.class);
					assertLocks(context);
				});
		}
	}

	@Test
	void bootsRedisClientIsNotClosedWithTheBackend() {
		this.runner.withPropertyValues("spring.data.redis.url=" + RedisServer.shared().uri()).run((context) -> {
			context.getBean(RedisLockBackend.class).close();
			StringRedisTemplate redis = new StringRedisTemplate(
					context.getBean(RedisConnectionFactory.class));
			redis.opsForValue().set("dlock-test:" + UUID.randomUUID(), "still open");
		});
	}

	@Test
	void aJedisConnectionFailsTheStartUpSayingThatLettuceIsNeeded() {
		this.runner
			.withPropertyValues("spring.data.redis.url=" + RedisServer.shared().uri(),
					"spring.data.redis.client-type=jedis")
			.run(RedisLockBackendAutoConfigurationIntegrationTests::assertFailsNamingLettuce);
	}

	@Test
	void aJedisConnectionWithoutLettuceOnTheClassPathFailsTheStartUpSayingThatLettuceIsNeeded() {
		// as with spring-boot-starter-data-redis whose lettuce-core is excluded for jedis
		this.runner.withClassLoader(new FilteredClassLoader("io.lettuce.core"))
			.withPropertyValues("spring.data.redis.url=" + RedisServer.shared().uri())
			.run(RedisLockBackendAutoConfigurationIntegrationTests::assertFailsNamingLettuce);
	}

	@Test
	void healthIsDownWithinTheHealthTimeoutOnceTheServerIsGone() {
		try (RedisServer server = RedisServer.start()) {
			this.runner.withConfiguration(AutoConfigurations.of(DlockHealthContributorAutoConfiguration.class))
				.withPropertyValues("spring.data.redis.url=" + server.uri(), "dlock.health.timeout=300ms")
				.run((context) -> HealthAfterServerLoss.assertDownWithinTheTimeout(context, server::kill));
		}
	}

	private static void assertFailsNamingLettuce(AssertableApplicationContext context) {
		assertThat(context).getFailure()
			.rootCause()
			.isInstanceOf(IllegalStateException.class)
			.hasMessageStartingWith("dlock's Redis backend needs Lettuce, but the application's Redis connection "
					+ "is a JedisConnectionFactory: Jedis is not supported.");
	}

	private static void assertLocks(AssertableApplicationContext context) {
		new LockProbe(context.getBean(LockManager.class)).assertLocksAndReleases();
	}

}
