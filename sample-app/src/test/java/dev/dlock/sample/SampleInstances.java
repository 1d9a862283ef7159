package dev.dlock.sample;

import java.nio.file.Path;

import dev.dlock.testserver.RedisServer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * Instances of the sample app for the two-instance demos: each on a free port, on one
 * Redis under one key prefix, sharing one stock folder.
 */
final class SampleInstances {

	private SampleInstances() {
	}

	static ConfigurableApplicationContext startOnRedis(RedisServer redis, String keyPrefix, Path folder) {
		return new SpringApplicationBuilder(SampleApplication.class).run("--server.port=0", "--dlock.backend=redis",
				"--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
				"--dlock.key-prefix=" + keyPrefix, "--sample.stock-dir=" + folder);
	}

	static int port(ConfigurableApplicationContext instance) {
		return instance.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
	}

	static RestClient client(ConfigurableApplicationContext instance) {
		return RestClient.create("http://localhost:" + port(instance));
	}

}
