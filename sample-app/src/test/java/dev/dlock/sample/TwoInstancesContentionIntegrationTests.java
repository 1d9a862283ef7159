package dev.dlock.sample;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.dlock.testserver.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two-instance demo of docs/sample-app.md: two instances of the sample app on two
 * ports, locking through one Redis and counting in one stock folder, reserve units of
 * one SKU at the same time and lose no update.
 */
class TwoInstancesContentionIntegrationTests {

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	@Test
	void twoInstancesOnOneRedisLoseNoUpdate(@TempDir Path stock) {
		RedisServer redis = RedisServer.shared();
		String keyPrefix = "two-instances-" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext first = SampleInstances.startOnRedis(redis, keyPrefix, stock);
				ConfigurableApplicationContext second = SampleInstances.startOnRedis(redis, keyPrefix, stock)) {
			RestClient one = SampleInstances.client(first);
			RestClient other = SampleInstances.client(second);
			assertThat(SampleInstances.port(first)).isNotEqualTo(SampleInstances.port(second));
			String sku = "shared-" + UUID.randomUUID();
			String contention = "/demo/contention?sku=" + sku + "&threads=4&perThread=100";
			CompletableFuture<Map<String, Object>> onOne = CompletableFuture
				.supplyAsync(() -> one.get().uri(contention).retrieve().body(JSON));
			CompletableFuture<Map<String, Object>> onOther = CompletableFuture
				.supplyAsync(() -> other.get().uri(contention).retrieve().body(JSON));
			assertThat(onOne.join()).containsEntry("sku", sku).containsEntry("expected", 400);
			assertThat(onOther.join()).containsEntry("sku", sku).containsEntry("expected", 400);
			Map<String, Object> tally = Map.of("sku", sku, "reservations", 800, "counted", 800, "lostUpdates", 0);
			assertThat(one.get().uri("/demo/stock?sku=" + sku).retrieve().body(JSON)).isEqualTo(tally);
			assertThat(other.get().uri("/demo/stock?sku=" + sku).retrieve().body(JSON)).isEqualTo(tally);
		}
	}

}
