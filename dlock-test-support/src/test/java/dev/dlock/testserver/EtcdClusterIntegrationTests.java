package dev.dlock.testserver;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import org.junit.jupiter.api.Test;

import static dev.dlock.testserver.EtcdServerIntegrationTests.bytes;
import static dev.dlock.testserver.EtcdServerIntegrationTests.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@link EtcdCluster} forms a real three-member etcd cluster, that it elects a new leader and keeps
 * working when the leader is killed, and that the restarted member rejoins and catches up.
 */
class EtcdClusterIntegrationTests {

	@Test
	void clusterFormsSurvivesAKilledLeaderAndTakesItBack() throws Exception {
		try (EtcdCluster cluster = EtcdCluster.start(3);
				Client client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build()) {
			assertThat(cluster.members()).hasSize(3);
			KV kv = client.getKVClient();
			String key = UUID.randomUUID().toString();
			kv.put(bytes(key), bytes("before")).get(5, TimeUnit.SECONDS);
			assertThat(get(kv, key)).isEqualTo("before");

			EtcdServer leader = cluster.leader();
			assertThat(leader.isLeader()).isTrue();
			leader.kill();
			EtcdServer newLeader = cluster.leader();
			assertThat(newLeader).isNotSameAs(leader);
			await().ignoreExceptions().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
				kv.put(bytes(key), bytes("during")).get(2, TimeUnit.SECONDS);
				assertThat(get(kv, key)).isEqualTo("during");
			});

			leader.restart();
			cluster.awaitHealthy();
			try (Client rejoined = Client.builder().endpoints(leader.endpoint()).build()) {
				await().ignoreExceptions().atMost(Duration.ofSeconds(15))
					.untilAsserted(() -> assertThat(get(rejoined.getKVClient(), key)).isEqualTo("during"));
			}
		}
	}

}
