package dev.dlock.testserver;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@link EtcdServer} starts a real etcd, and that pause, kill and restart (with the data kept) behave
 * as the backend tests expect, through jetcd.
 */
class EtcdServerIntegrationTests {

	static ByteSequence bytes(String text) {
		return ByteSequence.from(text, StandardCharsets.UTF_8);
	}

	static String get(KV kv, String key) throws Exception {
		return kv.get(bytes(key)).get(2, TimeUnit.SECONDS).getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
	}

	@Test
	void sharedServerIsStartedOnceAndRoundTrips() throws Exception {
		EtcdServer server = EtcdServer.shared();
		assertThat(EtcdServer.shared()).isSameAs(server);
		assertThat(server.endpoint()).isEqualTo("http://127.0.0.1:" + server.port());
		String key = UUID.randomUUID().toString();
		try (Client client = Client.builder().endpoints(server.endpoint()).build()) {
			client.getKVClient().put(bytes(key), bytes("v")).get(5, TimeUnit.SECONDS);
			assertThat(get(client.getKVClient(), key)).isEqualTo("v");
		}
		assertThat(server.isLeader()).isTrue();
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(server::kill);
	}

	@Test
	void pausedServerTimesOutTheClientAndAnswersAgainWhenResumed() throws Exception {
		try (EtcdServer server = EtcdServer.start();
				Client client = Client.builder().endpoints(server.endpoint()).build()) {
			KV kv = client.getKVClient();
			String key = UUID.randomUUID().toString();
			kv.put(bytes(key), bytes("before")).get(5, TimeUnit.SECONDS);
			server.pause();
			assertThatExceptionOfType(TimeoutException.class)
				.isThrownBy(() -> kv.get(bytes(key)).get(1, TimeUnit.SECONDS));
			server.resume();
			await().ignoreExceptions().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(get(kv, key)).isEqualTo("before"));
		}
	}

	@Test
	void killedServerRestartsOnTheSamePortWithItsData() throws Exception {
		try (EtcdServer server = EtcdServer.start();
				Client client = Client.builder().endpoints(server.endpoint()).build()) {
			KV kv = client.getKVClient();
			String key = UUID.randomUUID().toString();
			kv.put(bytes(key), bytes("kept")).get(5, TimeUnit.SECONDS);
			int port = server.port();
			server.kill();
			assertThat(server.isRunning()).isFalse();
			server.restart();
			assertThat(server.port()).isEqualTo(port);
			await().ignoreExceptions().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(get(kv, key)).isEqualTo("kept"));
		}
	}

}
