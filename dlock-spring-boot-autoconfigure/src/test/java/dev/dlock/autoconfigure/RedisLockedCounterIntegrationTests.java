package dev.dlock.autoconfigure;

import java.util.List;

import dev.dlock.testserver.RedisServer;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The two-instance counter on a real Redis, reached through
 * {@code spring.data.redis.url}; the backend is detected.
 */
class RedisLockedCounterIntegrationTests extends LockedCounterTestSupport {

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", () -> RedisServer.shared().uri());
	}

	@Override
	protected List<String> secondInstanceProperties() {
		return List.of("spring.data.redis.url=" + RedisServer.shared().uri());
	}

}
