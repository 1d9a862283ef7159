package dev.dlock.autoconfigure;

import java.util.List;

import dev.dlock.testserver.EtcdServer;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The two-instance counter on a real etcd, named by {@code dlock.backend} (the test
 * class path also has Spring Data Redis, which would otherwise come first).
 */
class EtcdLockedCounterIntegrationTests extends LockedCounterTestSupport {

	@DynamicPropertySource
	static void etcd(DynamicPropertyRegistry registry) {
		registry.add("dlock.backend", () -> "etcd");
		registry.add("dlock.etcd.endpoints", () -> EtcdServer.shared().endpoint());
	}

	@Override
	protected List<String> secondInstanceProperties() {
		return List.of("dlock.backend=etcd", "dlock.etcd.endpoints=" + EtcdServer.shared().endpoint());
	}

}
