package dev.dlock.autoconfigure;

import java.util.List;

import dev.dlock.testserver.NatsServer;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The two-instance counter on a real NATS JetStream, named by {@code dlock.backend} (the
 * test class path also has Spring Data Redis, which would otherwise come first).
 */
class NatsLockedCounterIntegrationTests extends LockedCounterTestSupport {

	@DynamicPropertySource
	static void nats(DynamicPropertyRegistry registry) {
		registry.add("dlock.backend", () -> "nats");
		registry.add("dlock.nats.url", () -> NatsServer.shared().url());
	}

	@Override
	protected List<String> secondInstanceProperties() {
		return List.of("dlock.backend=nats", "dlock.nats.url=" + NatsServer.shared().url());
	}

}
