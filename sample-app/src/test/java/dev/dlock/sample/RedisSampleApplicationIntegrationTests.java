package dev.dlock.sample;

import java.util.UUID;

import dev.dlock.testserver.RedisServer;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample app run with {@code --dlock.backend=redis}, against a Redis started for the tests.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "dlock.backend=redis")
class RedisSampleApplicationIntegrationTests extends SampleEndpointsTestSupport {

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		RedisServer redis = RedisServer.shared();
		registry.add("spring.data.redis.host", redis::host);
		registry.add("spring.data.redis.port", redis::port);
		registry.add("dlock.key-prefix", () -> "sample-" + UUID.randomUUID() + ":");
	}

	@Override
	protected String expectedBackend() {
		return "redis";
	}

}
