package dev.dlock.benchmarks;

import java.time.Duration;
import java.time.Instant;

import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.provider.redis.spring.RedisLockProvider;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * ShedLock's Redis provider (Spring Data Redis over Lettuce). ShedLock never waits: a busy
 * lock is simply not taken, so it appears only where nobody waits.
 *
 * @param host the Redis host
 * @param port the Redis port
 * @param lease {@code lockAtMostFor}
 */
record ShedLockLibrary(String host, int port, Duration lease) implements LockLibrary {

	@Override
	public String server() {
		return "redis";
	}

	@Override
	public String name() {
		return "ShedLock";
	}

	@Override
	public boolean canWait() {
		return false;
	}

	@Override
	public boolean renews() {
		return false;
	}

	@Override
	public LockClient connect() {
		LettuceConnectionFactory factory = SpringIntegrationLibrary.connectionFactory(this.host, this.port);
		RedisLockProvider provider = new RedisLockProvider(factory, "bench-shedlock");
		return new LockClient() {

			@Override
			public @Nullable Held lock(String key, Kind kind, Duration wait) {
				return provider.lock(new LockConfiguration(Instant.now(), key, lease(), Duration.ZERO))
					.<Held>map((lock) -> lock::unlock)
					.orElse(null);
			}

			@Override
			public void close() {
				factory.destroy();
			}

		};
	}

}
