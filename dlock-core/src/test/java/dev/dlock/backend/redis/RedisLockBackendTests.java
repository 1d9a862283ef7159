package dev.dlock.backend.redis;

import java.time.Duration;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Builder checks that need no server.
 */
class RedisLockBackendTests {

	@Test
	void keyPrefixWithBracesIsRejectedBecauseItWouldMoveTheHashTag() {
		RedisClient client = RedisClient.create();
		try {
			RedisLockBackend.Builder builder = RedisLockBackend.builder(client);
			assertThatIllegalArgumentException().isThrownBy(() -> builder.keyPrefix("app{1}:"))
				.withMessageContaining("'keyPrefix'");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.keyPrefix("app}"))
				.withMessageContaining("'keyPrefix'");
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void valueRetentionMustBePositiveAndAtMostACentury() {
		RedisClient client = RedisClient.create();
		try {
			RedisLockBackend.Builder builder = RedisLockBackend.builder(client);
			assertThatIllegalArgumentException().isThrownBy(() -> builder.valueRetention(Duration.ZERO))
				.withMessageContaining("'valueRetention'");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.valueRetention(Duration.ofSeconds(-1)))
				.withMessageContaining("'valueRetention'");
			assertThatIllegalArgumentException().isThrownBy(() -> builder.valueRetention(Duration.ofDays(36_501)))
				.withMessageContaining("'valueRetention'");
			builder.valueRetention(Duration.ofMillis(1)).valueRetention(Duration.ofDays(36_500));
		}
		finally {
			client.shutdown();
		}
	}

}
