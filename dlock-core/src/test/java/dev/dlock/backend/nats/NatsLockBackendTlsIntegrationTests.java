package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.UUID;

import javax.net.ssl.SSLContext;

import dev.dlock.LockBackendException;
import dev.dlock.tck.SharedAndExclusive;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend against a nats-server that accepts clients only over TLS (a certificate of
 * a throw-away authority) and only with a user and password: the builder's
 * {@code sslContext} and {@code userInfo} are all it takes; and against one that demands a
 * client certificate of that authority (mutual TLS), where an {@code sslContext} holding
 * the client's key and certificate is all it takes.
 */
class NatsLockBackendTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String USER = "dlock";

	private static final String PASSWORD = "s3cret-" + UUID.randomUUID();

	private static TestCertificates certificates;

	private static NatsServer server;

	private static NatsServer mutualServer;

	@BeforeAll
	static void startServers() {
		certificates = TestCertificates.create();
		server = NatsServer.startSecured(certificates, USER, PASSWORD);
		mutualServer = NatsServer.startWithMutualTls(certificates);
	}

	@AfterAll
	static void stopServers() {
		server.close();
		mutualServer.close();
	}

	@Test
	void locksWorkOverTlsWithUserAndPassword() throws Exception {
		SharedAndExclusive.checkBackends(() -> backend(certificates, PASSWORD), WAIT);
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

	@Test
	void locksWorkWithAClientCertificateWhereTheServerDemandsOne() throws Exception {
		SharedAndExclusive.checkBackends(() -> mutual(certificates.mutualClientContext()), WAIT);
	}

	@Test
	void aBackendWithoutTheClientCertificateTheServerDemandsIsRefusedWithABackendException() {
		assertThatExceptionOfType(LockBackendException.class)
			.isThrownBy(() -> mutual(certificates.clientContext()).close());
	}

	private static NatsLockBackend mutual(SSLContext context) {
		return NatsLockBackend.builder()
			.servers(mutualServer.tlsUrl())
			.sslContext(context)
			.bucket("dlock-mtls")
			.requestTimeout(Duration.ofSeconds(2))
			.build();
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
