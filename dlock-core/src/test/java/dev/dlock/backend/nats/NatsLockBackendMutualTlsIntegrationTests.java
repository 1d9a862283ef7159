package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.UUID;

import javax.net.ssl.SSLContext;

import dev.dlock.LockBackendException;
import dev.dlock.LockManager;
import dev.dlock.tck.SharedAndExclusive;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend against a nats-server that demands a client certificate of its authority
 * (mutual TLS): an {@code sslContext} with the client's key is all it takes, and one
 * without a key is refused with a {@link LockBackendException}.
 */
class NatsLockBackendMutualTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static TestCertificates certificates;

	private static NatsServer server;

	@BeforeAll
	static void startServer() {
		certificates = TestCertificates.create();
		server = NatsServer.startWithMutualTls(certificates);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void locksWorkWithTheClientCertificate() throws Exception {
		String key = "mtls-" + UUID.randomUUID();
		try (NatsLockBackend first = backend(certificates.mutualClientContext());
				NatsLockBackend second = backend(certificates.mutualClientContext());
				LockManager holder = LockManager.builder(first).build();
				LockManager waiter = LockManager.builder(second).build()) {
			SharedAndExclusive.check(holder, waiter, key, WAIT);
			assertThat(first.health().get().up()).isTrue();
		}
	}

	@Test
	void aBackendWithoutAClientCertificateIsRefusedWithABackendException() {
		assertThatExceptionOfType(LockBackendException.class)
			.isThrownBy(() -> backend(certificates.clientContext()).close());
	}

	private static NatsLockBackend backend(SSLContext context) {
		return NatsLockBackend.builder()
			.servers(server.tlsUrl())
			.sslContext(context)
			.bucket("dlock-mtls")
			.requestTimeout(Duration.ofSeconds(2))
			.build();
	}

}
