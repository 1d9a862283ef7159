package dev.dlock.backend.redis;

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

}
