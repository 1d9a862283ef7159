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
 * throw-away authority: the builder's {@code trustCertificates} is all it takes; and
 * against one that also demands a client certificate of that authority (mutual TLS), where
 * {@code clientCertificate} is all it takes.
 */
class EtcdLockBackendTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static TestCertificates certificates;

	private static EtcdServer server;

	private static EtcdServer mutualServer;

	@BeforeAll
	static void startServers() {
		certificates = TestCertificates.create();
		server = EtcdServer.startWithTls(certificates);
		mutualServer = EtcdServer.startWithMutualTls(certificates);
	}

	@AfterAll
	static void stopServers() {
		server.close();
		mutualServer.close();
	}

	@Test
	void locksWorkOverTlsWhenTheBackendTrustsTheServersAuthority() throws Exception {
		SharedAndExclusive.checkBackends(() -> trusting(certificates), WAIT);
	}

	@Test
	void aBackendThatTrustsAnotherAuthorityFailsWithABackendException() throws Exception {
		assertUnusable(trusting(TestCertificates.create()));
	}

	@Test
	void locksWorkWithAClientCertificateWhereTheServerDemandsOne() throws Exception {
		SharedAndExclusive.checkBackends(() -> mutual()
			.clientCertificate(certificates.clientCertificate(), certificates.clientKey())
			.build(), WAIT);
	}

	@Test
	void aBackendWithoutTheClientCertificateTheServerDemandsFailsWithABackendException() throws Exception {
		assertUnusable(mutual().build());
	}

	/** An acquire fails with a backend exception and health is down; closes the backend. */
	private static void assertUnusable(EtcdLockBackend backend) throws Exception {
		try (backend; LockManager manager = LockManager.builder(backend).build()) {
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> manager.acquire("tls-" + UUID.randomUUID(), LockMode.EX, WAIT));
			assertThat(backend.health().get().up()).isFalse();
		}
	}

	private static EtcdLockBackend.Builder mutual() {
		return EtcdLockBackend.builder()
			.endpoints(mutualServer.tlsEndpoint())
			.trustCertificates(certificates.caFile())
			.requestTimeout(Duration.ofSeconds(2));
	}

	private static EtcdLockBackend trusting(TestCertificates authority) {
		return EtcdLockBackend.builder()
			.endpoints(server.tlsEndpoint())
			.trustCertificates(authority.caFile())
			.requestTimeout(Duration.ofSeconds(2))
			.build();
	}

}
