package dev.dlock.testserver;

import java.time.Duration;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@link RedisServer} starts a real server, and that pause, kill and restart behave as the backend
 * tests expect, through Lettuce.
 */
class RedisServerIntegrationTests {

	private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

	private static RedisClient client;

	@BeforeAll
	static void createClient() {
		client = RedisClient.create();
	}

	@AfterAll
	static void shutdownClient() {
		client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
	}

	private static StatefulRedisConnection<String, String> connect(RedisServer server) {
		RedisURI uri = RedisURI.create(server.uri());
		uri.setTimeout(COMMAND_TIMEOUT);
		return client.connect(uri);
	}

	@Test
	void sharedServerIsStartedOnceAndRoundTrips() {
		RedisServer server = RedisServer.shared();
		assertThat(RedisServer.shared()).isSameAs(server);
		assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + server.port());
		String key = UUID.randomUUID().toString();
		try (StatefulRedisConnection<String, String> connection = connect(server)) {
			connection.sync().set(key, "v");
			assertThat(connection.sync().get(key)).isEqualTo("v");
			assertThat(connection.sync().configGet("save")).containsEntry("save", "");
			assertThat(connection.sync().configGet("appendonly")).containsEntry("appendonly", "no");
		}
	}

	@Test
	void sharedServerRefusesToBeDisturbedAndSurvivesClose() {
		RedisServer server = RedisServer.shared();
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(server::kill)
			.withMessageContaining("RedisServer.start()");
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(server::pause);
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(server::restart);
		server.close();
		assertThat(server.isRunning()).isTrue();
	}

	@Test
	void pausedServerTimesOutTheClientAndAnswersAgainWhenResumed() {
		try (RedisServer server = RedisServer.start();
				StatefulRedisConnection<String, String> connection = connect(server)) {
			RedisCommands<String, String> commands = connection.sync();
			String key = UUID.randomUUID().toString();
			commands.set(key, "before");
			server.pause();
			assertThat(server.isPaused()).isTrue();
			assertThatExceptionOfType(RedisCommandTimeoutException.class).isThrownBy(() -> commands.get(key));
			server.resume();
			await().ignoreExceptions().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(commands.get(key)).isEqualTo("before"));
		}
	}

	@Test
	void killedServerRestartsEmptyOnTheSamePort() {
		try (RedisServer server = RedisServer.start();
				StatefulRedisConnection<String, String> connection = connect(server)) {
			RedisCommands<String, String> commands = connection.sync();
			String key = UUID.randomUUID().toString();
			commands.set(key, "before");
			int port = server.port();
			server.kill();
			assertThat(server.isRunning()).isFalse();
			assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> commands.get(key));
			server.restart();
			assertThat(server.port()).isEqualTo(port);
			// no persistence: the restarted server is empty
			await().ignoreExceptions().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(commands.ping()).isEqualTo("PONG"));
			assertThat(commands.get(key)).isNull();
		}
	}

	@Test
	void closedServerIsGoneWithItsFolder() {
		RedisServer server = RedisServer.start();
		server.close();
		server.close();
		assertThat(server.isRunning()).isFalse();
		assertThat(server.directory()).doesNotExist();
	}

}
