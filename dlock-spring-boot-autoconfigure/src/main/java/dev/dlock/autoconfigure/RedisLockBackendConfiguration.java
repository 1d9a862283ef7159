package dev.dlock.autoconfigure;

import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.spi.LockBackend;
import io.lettuce.core.AbstractRedisClient;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The Redis backend, over the Lettuce client that Spring Boot configured from
 * {@code spring.data.redis.*} (standalone, Sentinel or Cluster): dlock configures no
 * connection of its own. The backend opens one command and one pub/sub connection from
 * that client and closes them on shutdown; the client stays Spring Data Redis's.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ AbstractRedisClient.class, LettuceConnectionFactory.class })
@Conditional(LockBackendCondition.class)
class RedisLockBackendConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	RedisLockBackend redisLockBackend(LettuceConnectionFactory connectionFactory, DlockProperties properties) {
		if (!connectionFactory.isRunning()) {
			connectionFactory.start();
		}
		RedisLockBackend.Builder builder = RedisLockBackend.builder(connectionFactory.getRequiredNativeClient());
		if (properties.getKeyPrefix() != null) {
			builder.keyPrefix(properties.getKeyPrefix());
		}
		return builder.build();
	}

}
