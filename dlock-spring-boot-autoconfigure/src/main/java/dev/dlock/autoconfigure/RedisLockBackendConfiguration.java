package dev.dlock.autoconfigure;

import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.spi.LockBackend;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * The Redis backend, over the Lettuce client that Spring Boot configured from
 * {@code spring.data.redis.*} (standalone, Sentinel or Cluster): dlock configures no
 * connection of its own. The backend opens one command and one pub/sub connection from
 * that client and closes them on shutdown; the client stays Spring Data Redis's.
 * <p>
 * Any Spring Data Redis connection selects Redis when {@code dlock.backend} is not set,
 * so that an application whose connection is not Lettuce's (Jedis) fails at start-up with
 * a message that says so, rather than running without the backend it expects.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisConnectionFactory.class)
@Conditional(LockBackendCondition.class)
class RedisLockBackendConfiguration {

	private static final String LETTUCE_CLIENT = "io.lettuce.core.AbstractRedisClient";

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	LockBackend redisLockBackend(RedisConnectionFactory connectionFactory, DlockProperties properties) {
		// Lettuce's classes are looked at only once it is known to be there
		if (!ClassUtils.isPresent(LETTUCE_CLIENT, connectionFactory.getClass().getClassLoader())
				|| !(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
			throw new IllegalStateException("dlock's Redis backend needs Lettuce, but the application's Redis "
					+ "connection is a " + connectionFactory.getClass().getSimpleName()
					+ ": Jedis is not supported. Use Lettuce, Spring Boot's default Redis client (keep "
					+ "io.lettuce:lettuce-core in spring-boot-starter-data-redis and leave "
					+ "spring.data.redis.client-type unset or set it to lettuce), or set dlock.backend to another "
					+ "backend");
		}
		return lettuceBackend(lettuce, properties);
	}

	private static RedisLockBackend lettuceBackend(LettuceConnectionFactory connectionFactory,
			DlockProperties properties) {
		if (!connectionFactory.isRunning()) {
			connectionFactory.start();
		}
		RedisLockBackend.Builder builder = RedisLockBackend.builder(connectionFactory.getRequiredNativeClient());
		if (properties.getKeyPrefix() != null) {
			builder.keyPrefix(properties.getKeyPrefix());
		}
		return builder.valueRetention(properties.getRedis().getValueRetention()).build();
	}

}
