package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.UUID;

import javax.net.ssl.SSLException;

import dev.dlock.LockBackendException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.tck.SharedAndExclusive;
import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.TestCertificates;
import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend over a TLS client, against an etcd that serves clients with a certificate
 * of a throw-away authority, and against one that also demands a client certificate of
 * that authority (mutual TLS). jetcd connects lazily, so a client that fails the handshake
 * still makes a backend, whose calls fail with a backend exception.
 */
class EtcdLockBackendTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Duration REQUEST = Duration.ofSeconds(2);

	private static TestCertificates certificates;

	private static EtcdServer server;

	private static EtcdServer mutualServer;

	@BeforeAll
	static void startServers() {
		certificates = TestCertificates.create();
		server = EtcdServer.startWithTls(certificates);
		mutualServer = EtcdServer.startWithMutualTls(certificates);
	}

	private final EtcdTestSupport support = new EtcdTestSupport();

	@AfterEach
	void closeClients() {
		this.support.close();
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
		SharedAndExclusive.checkBackends(() -> mutual(true), WAIT);
	}

	@Test
	void aBackendWithoutTheClientCertificateTheServerDemandsFailsWithABackendException() throws Exception {
		assertUnusable(mutual(false));
	}

	/** An acquire fails with a backend exception and health is down; closes the backend. */
	private static void assertUnusable(EtcdLockBackend backend) throws Exception {
		try (backend; LockManager manager = LockManagerBuilder.forBackend(backend).build()) {
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> manager.acquire("tls-" + UUID.randomUUID(), LockMode.EX, WAIT));
			assertThat(backend.health().get().up()).isFalse();
		}
	}

	private EtcdLockBackend mutual(boolean withClientCertificate) {
		SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(certificates.caFile().toFile());
		if (withClientCertificate) {
			tls.keyManager(certificates.clientCertificate().toFile(), certificates.clientKey().toFile());
		}
		return backend(mutualServer.tlsEndpoint(), tls);
	}

	private EtcdLockBackend trusting(TestCertificates authority) {
		return backend(server.tlsEndpoint(), GrpcSslContexts.forClient().trustManager(authority.caFile().toFile()));
	}

	private EtcdLockBackend backend(String endpoint, SslContextBuilder tls) {
		try {
			Client client = this.support
				.register(Client.builder().endpoints(endpoint).sslContext(tls.build()).connectTimeout(REQUEST).build());
			return EtcdLockBackend.builder(client).requestTimeout(REQUEST).build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
