package dev.dlock.testserver;

import java.time.Duration;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import org.junit.jupiter.api.Test;

import static dev.dlock.testserver.NatsServerIntegrationTests.bucket;
import static dev.dlock.testserver.NatsServerIntegrationTests.connect;
import static dev.dlock.testserver.NatsServerIntegrationTests.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@link NatsCluster} forms a real three-server JetStream cluster, that a replicated key-value bucket
 * keeps working when the meta leader is killed, and that the restarted server rejoins and serves the data.
 */
class NatsClusterIntegrationTests {

	@Test
	void clusterFormsSurvivesAKilledMetaLeaderAndTakesItBack() throws Exception {
		try (NatsCluster cluster = NatsCluster.start(3);
				Connection connection = connect(cluster.urls().toArray(String[]::new))) {
			assertThat(cluster.members()).hasSize(3);
			KeyValue kv = bucket(connection, 3);
			// the new stream's own leader may still be in election
			await().ignoreExceptions().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				kv.put("k", "before");
				assertThat(get(kv, "k")).isEqualTo("before");
			});

			NatsServer leader = cluster.metaLeader();
			leader.kill();
			await().ignoreExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				kv.put("k", "during");
				assertThat(get(kv, "k")).isEqualTo("during");
			});
			assertThat(cluster.metaLeader()).isNotSameAs(leader);

			leader.restart();
			cluster.awaitHealthy();
			try (Connection rejoined = connect(leader.url())) {
				KeyValue replica = rejoined.keyValue(kv.getBucketName());
				await().ignoreExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(get(replica, "k")).isEqualTo("during"));
			}
		}
	}

}
