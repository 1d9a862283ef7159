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
 * The backend over TLS, against an etcd that serves clients with a certificate of a
 * throw-away authority: the builder's {@code trustCertificates} is all it takes.
 */
class EtcdLockBackendTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static TestCertificates certificates;

	private static EtcdServer server;

	@BeforeAll
	static void startServer() {
		certificates = TestCertificates.create();
		server = EtcdServer.startWithTls(certificates);
	}

	@AfterAll
	static void stopServer() {
		server.close();
	}

	@Test
	void locksWorkOverTlsWhenTheBackendTrustsTheServersAuthority() throws Exception {
		String key = "tls-" + UUID.randomUUID();
		try (EtcdLockBackend first = trusting(certificates); EtcdLockBackend second = trusting(certificates);
				LockManager holder = LockManager.builder(first).build();
				LockManager waiter = LockManager.builder(second).build()) {
			SharedAndExclusive.check(holder, waiter, key, WAIT);
			assertThat(first.health().get().up()).isTrue();
		}
	}

	@Test
	void aBackendThatTrustsAnotherAuthorityFailsWithABackendException() throws Exception {
		try (EtcdLockBackend untrusting = trusting(TestCertificates.create());
				LockManager manager = LockManager.builder(untrusting).build()) {
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> manager.acquire("tls-" + UUID.randomUUID(), LockMode.EX, WAIT));
			assertThat(untrusting.health().get().up()).isFalse();
		}
	}

	private static EtcdLockBackend trusting(TestCertificates authority) {
		return EtcdLockBackend.builder()
			.endpoints(server.tlsEndpoint())
			.trustCertificates(authority.caFile())
			.requestTimeout(Duration.ofSeconds(2))
			.build();
	}

}
