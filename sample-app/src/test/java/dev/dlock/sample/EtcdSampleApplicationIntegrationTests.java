package dev.dlock.sample;

import java.util.UUID;

import dev.dlock.testserver.EtcdServer;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The sample app run with {@code --dlock.backend=etcd}, against an etcd started for the tests.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "dlock.backend=etcd")
class EtcdSampleApplicationIntegrationTests extends SampleEndpointsTestSupport {

	@DynamicPropertySource
	static void etcd(DynamicPropertyRegistry registry) {
		registry.add("dlock.etcd.endpoints", () -> EtcdServer.shared().endpoint());
		registry.add("dlock.key-prefix", () -> "sample-" + UUID.randomUUID() + "/");
	}

	@Override
	protected String expectedBackend() {
		return "etcd";
	}

}
