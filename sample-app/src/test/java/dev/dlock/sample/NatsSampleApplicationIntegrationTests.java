package dev.dlock.sample;

import java.util.UUID;

import dev.dlock.testserver.NatsServer;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample app run with {@code --dlock.backend=nats}, against a nats-server with JetStream
 * started for the tests.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "dlock.backend=nats")
class NatsSampleApplicationIntegrationTests extends SampleEndpointsTestSupport {

	@DynamicPropertySource
	static void nats(DynamicPropertyRegistry registry) {
		registry.add("dlock.nats.url", () -> NatsServer.shared().url());
		registry.add("dlock.nats.bucket", () -> "sample-" + UUID.randomUUID());
	}

	@Override
	protected String expectedBackend() {
		return "nats";
	}

}
