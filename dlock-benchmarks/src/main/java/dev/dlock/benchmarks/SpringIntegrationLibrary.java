package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.integration.redis.util.RedisLockRegistry;
import org.springframework.integration.redis.util.RedisLockRegistry.RedisLockType;

/**
 * Spring Integration's {@code RedisLockRegistry} of one lock type over a Lettuce
 * connection factory, one registry and factory per client, with their defaults.
 *
 * @param host the Redis host
 * @param port the Redis port
 * @param type spin or pub/sub
 * @param lease the lock expiry
 */
record SpringIntegrationLibrary(String host, int port, RedisLockType type, Duration lease) implements LockLibrary {

	@Override
	public String server() {
		return "redis";
	}

	@Override
	public String name() {
		return "Spring Integration " + ((this.type == RedisLockType.SPIN_LOCK) ? "spin" : "pub/sub");
	}

	boolean spins() {
		return this.type == RedisLockType.SPIN_LOCK;
	}

	@Override
	public boolean renews() {
		// renewal is an explicit renewLock call (or a scheduler the application configures)
		return false;
	}

	@Override
	public LockClient connect() {
		LettuceConnectionFactory factory = connectionFactory(this.host, this.port);
		RedisLockRegistry registry = new RedisLockRegistry(factory, "bench-si", this.lease);
		// an executor of our own, shut down only after the factory, so that no message arrives at a closed one
		ExecutorService executor = Executors.newCachedThreadPool();
		registry.setExecutor(executor);
		registry.setRedisLockType(this.type);
		return new LockClient() {

			@Override
			public @Nullable Held lock(String key, Kind kind, Duration wait) throws InterruptedException {
				Lock lock = registry.obtain(key);
				return lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS) ? lock::unlock : null;
			}

			@Override
			public void close() {
				registry.destroy();
				factory.destroy();
				executor.shutdown();
			}

		};
	}

	static LettuceConnectionFactory connectionFactory(String host, int port) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

}
