package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.UUID;

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
 * The backend against a nats-server that accepts clients only over TLS (a certificate of
 * a throw-away authority) and only with a user and password: the builder's
 * {@code sslContext} and {@code userInfo} are all it takes.
 */
class NatsLockBackendTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String USER = "dlock";

	private static final String PASSWORD = "s3cret-" + UUID.randomUUID();

	private static TestCertificates certificates;

	private static NatsServer server;

	@BeforeAll
	static void startServer() {
		certificates = TestCertificates.create();
		server = NatsServer.startSecured(certificates, USER, PASSWORD);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void locksWorkOverTlsWithUserAndPassword() throws Exception {
		String key = "tls-" + UUID.randomUUID();
		try (NatsLockBackend first = backend(certificates, PASSWORD);
				NatsLockBackend second = backend(certificates, PASSWORD);
				LockManager holder = LockManager.builder(first).build();
				LockManager waiter = LockManager.builder(second).build()) {
			SharedAndExclusive.check(holder, waiter, key, WAIT);
			assertThat(first.health().get().up()).isTrue();
		}
	}

	@Test
	void aBackendThatTrustsAnotherAuthorityIsRefusedWithABackendException() {
		assertThatExceptionOfType(LockBackendException.class)
			.isThrownBy(() -> backend(TestCertificates.create(), PASSWORD).close());
	}

	@Test
	void aWrongPasswordIsRefusedWithABackendException() {
		assertThatExceptionOfType(LockBackendException.class)
			.isThrownBy(() -> backend(certificates, "wrong").close());
	}

	private static NatsLockBackend backend(TestCertificates authority, String password) {
		return NatsLockBackend.builder()
			.servers(server.tlsUrl())
			.sslContext(authority.clientContext())
			.userInfo(USER, password.toCharArray())
			.bucket("dlock-tls")
			.requestTimeout(Duration.ofSeconds(2))
			.build();
	}

}
