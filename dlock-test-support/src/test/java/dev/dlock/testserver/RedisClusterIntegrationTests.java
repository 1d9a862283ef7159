package dev.dlock.testserver;

import java.time.Duration;
import java.util.UUID;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@link RedisCluster} forms a real Redis Cluster that Lettuce's cluster client can use, that the
 * other masters keep working while one is killed, and that the restarted node rejoins with its slots.
 */
class RedisClusterIntegrationTests {

	@Test
	void clusterFormsSurvivesAKilledNodeAndTakesItBack() {
		try (RedisCluster cluster = RedisCluster.start(3)) {
			assertThat(cluster.nodes()).hasSize(3);
			assertThat(cluster.uris()).allMatch((uri) -> uri.startsWith("redis://127.0.0.1:"));
			RedisClusterClient client = RedisClusterClient
				.create(cluster.uris().stream().map(RedisURI::create).toList());
			client.setDefaultTimeout(Duration.ofSeconds(2));
			try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
				RedisAdvancedClusterCommands<String, String> commands = connection.sync();
				RedisServer victim = cluster.nodes().get(2);
				String survivorKey = keyOwnedBy(cluster, cluster.nodes().get(0));
				String victimKey = keyOwnedBy(cluster, victim);
				commands.set(survivorKey, "a");
				commands.set(victimKey, "b");
				assertThat(commands.get(survivorKey)).isEqualTo("a");
				assertThat(commands.get(victimKey)).isEqualTo("b");

				victim.kill();
				commands.set(survivorKey, "a2");
				assertThat(commands.get(survivorKey)).isEqualTo("a2");

				victim.restart();
				cluster.awaitHealthy();
				await().ignoreExceptions().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
					commands.set(victimKey, "b2");
					assertThat(commands.get(victimKey)).isEqualTo("b2");
				});
				assertThat(cluster.nodeForKey(victimKey)).isSameAs(victim);
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			}
		}
	}

	private static String keyOwnedBy(RedisCluster cluster, RedisServer node) {
		while (true) {
			String key = UUID.randomUUID().toString();
			if (cluster.nodeForKey(key) == node) {
				return key;
			}
		}
	}

}
