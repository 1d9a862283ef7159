package dev.dlock.sample;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import dev.dlock.testserver.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The coherent price cache of docs/sample-app.md: two instances of the sample app on two
 * ports, on one Redis and one shared folder, cache a price; a change through one is seen by
 * the other's next read, with no message bus, and a price read again is served from the
 * instance's copy.
 */
class TwoInstancesCoherentPriceIntegrationTests {

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	@Test
	void aPriceChangedThroughOneInstanceIsSeenByTheOther(@TempDir Path folder) {
		RedisServer redis = RedisServer.shared();
		String keyPrefix = "coherent-price-" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext first = SampleInstances.startOnRedis(redis, keyPrefix, folder);
				ConfigurableApplicationContext second = SampleInstances.startOnRedis(redis, keyPrefix, folder)) {
			RestClient one = SampleInstances.client(first);
			RestClient other = SampleInstances.client(second);
			String sku = "chair-" + UUID.randomUUID();
			assertThat(post(one, sku, 1999)).isEqualTo(Map.of("sku", sku, "cents", 1999, "loads", 1));
			assertThat(get(other, sku)).isEqualTo(Map.of("sku", sku, "cents", 1999, "loads", 1));
			assertThat(get(other, sku)).as("served from the copy").isEqualTo(Map.of("sku", sku, "cents", 1999, "loads", 1));
			assertThat(post(one, sku, 2499)).isEqualTo(Map.of("sku", sku, "cents", 2499, "loads", 2));
			assertThat(get(other, sku)).as("the change made through the other instance")
				.isEqualTo(Map.of("sku", sku, "cents", 2499, "loads", 2));
			assertThat(get(other, sku)).isEqualTo(Map.of("sku", sku, "cents", 2499, "loads", 2));
			assertThat(post(other, sku, 999)).isEqualTo(Map.of("sku", sku, "cents", 999, "loads", 3));
			assertThat(get(one, sku)).isEqualTo(Map.of("sku", sku, "cents", 999, "loads", 3));
		}
	}

	private static Map<String, Object> get(RestClient instance, String sku) {
		return instance.get().uri("/demo/price?sku=" + sku).retrieve().body(JSON);
	}

	private static Map<String, Object> post(RestClient instance, String sku, long cents) {
		return instance.post().uri("/demo/price?sku=" + sku + "&cents=" + cents).retrieve().body(JSON);
	}

}
