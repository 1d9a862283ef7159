package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.UUID;

import dev.dlock.LockBackendException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.tck.SharedAndExclusive;
import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend against an etcd whose TLS endpoint demands a client certificate of its
 * authority (mutual TLS): the builder's {@code clientCertificate} is all it takes, and a
 * backend without one fails with a {@link LockBackendException}.
 */
class EtcdLockBackendMutualTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static TestCertificates certificates;

	private static EtcdServer server;

	@BeforeAll
	static void startServer() {
		certificates = TestCertificates.create();
		server = EtcdServer.startWithMutualTls(certificates);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void locksWorkWithTheClientCertificate() throws Exception {
		String key = "mtls-" + UUID.randomUUID();
		try (EtcdLockBackend first = withClientCertificate(); EtcdLockBackend second = withClientCertificate();
				LockManager holder = LockManager.builder(first).build();
				LockManager waiter = LockManager.builder(second).build()) {
			SharedAndExclusive.check(holder, waiter, key, WAIT);
			assertThat(first.health().get().up()).isTrue();
		}
	}

	@Test
	void aBackendWithoutAClientCertificateFailsWithABackendException() throws Exception {
		try (EtcdLockBackend anonymous = builder().build(); LockManager manager = LockManager.builder(anonymous).build()) {
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> manager.acquire("mtls-" + UUID.randomUUID(), LockMode.EX, WAIT));
			assertThat(anonymous.health().get().up()).isFalse();
		}
	}

	private static EtcdLockBackend withClientCertificate() {
		return builder().clientCertificate(certificates.clientCertificate(), certificates.clientKey()).build();
	}

	private static EtcdLockBackend.Builder builder() {
		return EtcdLockBackend.builder()
			.endpoints(server.tlsEndpoint())
			.trustCertificates(certificates.caFile())
			.requestTimeout(Duration.ofSeconds(2));
	}

}
