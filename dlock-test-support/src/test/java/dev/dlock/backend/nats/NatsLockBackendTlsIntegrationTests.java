package dev.dlock.backend.nats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;

import javax.net.ssl.SSLContext;

import dev.dlock.tck.SharedAndExclusive;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.TestCertificates;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backend over TLS connections, against a nats-server that accepts clients only over
 * TLS (a certificate of a throw-away authority) and only with a user and password, and
 * against one that demands a client certificate of that authority (mutual TLS). Refusals
 * are the connection's, before a backend exists: the auto-configuration's tests cover
 * them.
 */
class NatsLockBackendTlsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String USER = "dlock";

	private static final String PASSWORD = "s3cret-" + UUID.randomUUID();

	private static TestCertificates certificates;

	private static NatsServer server;

	private static NatsServer mutualServer;

	private final Deque<Connection> connections = new ArrayDeque<>();

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

	@AfterEach
	void closeConnections() throws InterruptedException {
		while (!this.connections.isEmpty()) {
			this.connections.pop().close();
		}
	}

	@Test
	void locksWorkOverTlsWithUserAndPassword() throws Exception {
		SharedAndExclusive.checkBackends(() -> backend(new Options.Builder().server(server.tlsUrl())
			.sslContext(certificates.clientContext())
			.userInfo(USER.toCharArray(), PASSWORD.toCharArray()), "dlock-tls"), WAIT);
	}

	@Test
	void locksWorkWithAClientCertificateWhereTheServerDemandsOne() throws Exception {
		SSLContext context = certificates.mutualClientContext();
		SharedAndExclusive.checkBackends(
				() -> backend(new Options.Builder().server(mutualServer.tlsUrl()).sslContext(context), "dlock-mtls"),
				WAIT);
	}

	private NatsLockBackend backend(Options.Builder options, String bucket) {
		try {
			Connection connection = Nats.connect(options.build());
			this.connections.push(connection);
			return NatsLockBackend.builder(connection).bucket(bucket).requestTimeout(Duration.ofSeconds(2)).build();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
