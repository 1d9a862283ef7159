package dev.dlock.testserver;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@link NatsServer} starts a real nats-server with JetStream, and that pause, kill and restart (with
 * the file storage kept) behave as the backend tests expect, through jnats.
 */
class NatsServerIntegrationTests {

	static Connection connect(String... urls) throws Exception {
		return Nats.connect(new Options.Builder().servers(urls)
			.connectionTimeout(Duration.ofSeconds(2))
			.reconnectWait(Duration.ofMillis(100))
			.maxReconnects(-1)
			.build());
	}

	static KeyValue bucket(Connection connection, int replicas) throws Exception {
		String name = "b" + UUID.randomUUID().toString().replace("-", "");
		connection.keyValueManagement()
			.create(KeyValueConfiguration.builder().name(name).storageType(StorageType.File).replicas(replicas).build());
		return connection.keyValue(name);
	}

	static String get(KeyValue kv, String key) throws Exception {
		return new String(kv.get(key).getValue(), StandardCharsets.UTF_8);
	}

	@Test
	void sharedServerIsStartedOnceAndRoundTripsThroughJetStream() throws Exception {
		NatsServer server = NatsServer.shared();
		assertThat(NatsServer.shared()).isSameAs(server);
		assertThat(server.url()).isEqualTo("nats://127.0.0.1:" + server.port());
		try (Connection connection = connect(server.url())) {
			KeyValue kv = bucket(connection, 1);
			kv.put("k", "v");
			assertThat(get(kv, "k")).isEqualTo("v");
		}
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(server::pause);
	}

	@Test
	void pausedServerTimesOutTheClientAndAnswersAgainWhenResumed() throws Exception {
		try (NatsServer server = NatsServer.start(); Connection connection = connect(server.url())) {
			KeyValue kv = bucket(connection, 1);
			kv.put("k", "before");
			server.pause();
			assertThatExceptionOfType(TimeoutException.class)
				.isThrownBy(() -> connection.flush(Duration.ofMillis(500)));
			server.resume();
			await().ignoreExceptions().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(kv, "k")).isEqualTo("before"));
		}
	}

	@Test
	void killedServerRestartsOnTheSamePortWithItsJetStreamData() throws Exception {
		try (NatsServer server = NatsServer.start(); Connection connection = connect(server.url())) {
			KeyValue kv = bucket(connection, 1);
			kv.put("k", "kept");
			int port = server.port();
			server.kill();
			assertThat(server.isRunning()).isFalse();
			server.restart();
			assertThat(server.port()).isEqualTo(port);
			await().ignoreExceptions().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(get(kv, "k")).isEqualTo("kept"));
		}
	}

}
