package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.testserver.RedisServer;
import dev.dlock.testserver.TestCertificates;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend over the application's TLS client ({@code rediss://}), against a redis-server
 * that serves TLS with a certificate of a throw-away authority: scripts and the pub/sub
 * wake-ups both go through it.
 */
class RedisLockBackendTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static TestCertificates certificates;

	private static RedisServer server;

	@BeforeAll
	static void startServer() {
		certificates = TestCertificates.create();
		server = RedisServer.startWithTls(certificates);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void aWaiterIsWokenOverTlsWhenTheHolderReleases() throws Exception {
		// the waiter's re-check comes only after the holder's 30 s lease: a grant within 10 s is a push
		RedisClient client = trusting(certificates);
		String key = "tls-" + UUID.randomUUID();
		try (RedisLockBackend first = RedisLockBackend.builder(client).build();
				RedisLockBackend second = RedisLockBackend.builder(client).build();
				LockManager holder = LockManagerBuilder.forBackend(first).build();
				LockManager waiter = LockManagerBuilder.forBackend(second).build()) {
			LockHandle held = holder.acquire(key, LockMode.EX, WAIT);
			CompletableFuture<LockHandle> waiting = waiter.acquireAsync(key, LockMode.PR, LockOptions.waitTime(WAIT));
			assertThat(waiting).isNotDone();
			held.release();
			waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS).release();
			assertThat(first.health().get().up()).isTrue();
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void aClientThatTrustsAnotherAuthorityFailsWithABackendException() {
		RedisClient client = trusting(TestCertificates.create());
		try {
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> RedisLockBackend.builder(client).connectTimeout(Duration.ofSeconds(2)).build().close());
		}
		finally {
			client.shutdown();
		}
	}

	private static RedisClient trusting(TestCertificates authority) {
		RedisClient client = RedisClient.create(RedisURI.create(server.tlsUri()));
		client.setOptions(ClientOptions.builder()
			.sslOptions(SslOptions.builder().trustManager(authority.caFile().toFile()).build())
			.build());
		return client;
	}

}
