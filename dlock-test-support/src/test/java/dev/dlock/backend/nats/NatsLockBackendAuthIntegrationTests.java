package dev.dlock.backend.nats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import java.util.function.UnaryOperator;

import dev.dlock.tck.SharedAndExclusive;
import dev.dlock.testserver.NatsServer;
import io.nats.client.Connection;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.support.JwtUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend over connections that authenticate with a token or as an NKey user (a
 * {@code .creds} file, as {@code nsc} writes them), against nats-servers that demand them.
 * Wrong ones are refused when connecting, before a backend exists: the auto-configuration's
 * tests cover that.
 */
class NatsLockBackendAuthIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final Deque<Connection> connections = new ArrayDeque<>();

	@AfterEach
	void closeConnections() throws InterruptedException {
		while (!this.connections.isEmpty()) {
			this.connections.pop().close();
		}
	}

	@Nested
	class Token {

		private final String token = "t0ken-" + UUID.randomUUID();

		@Test
		void locksWorkWithTheServersToken() throws Exception {
			try (NatsServer server = NatsServer.startWithToken(this.token)) {
				assertLocksWork(server, (options) -> options.token(this.token.toCharArray()));
			}
		}

	}

	@Nested
	class CredentialsFile {

		@TempDir
		Path directory;

		@Test
		void locksWorkWithTheUsersCredentialsFile() throws Exception {
			NKey user = NKey.createUser(null);
			Path credentials = credentialsFile(this.directory.resolve("user.creds"), user);
			try (NatsServer server = NatsServer.startWithNkeyUser(new String(user.getPublicKey()))) {
				assertLocksWork(server, (options) -> options.authHandler(Nats.credentials(credentials.toString())));
			}
		}

	}

	private void assertLocksWork(NatsServer server, UnaryOperator<Options.Builder> authentication) throws Exception {
		SharedAndExclusive.checkBackends(() -> backend(server, authentication), WAIT);
	}

	private NatsLockBackend backend(NatsServer server, UnaryOperator<Options.Builder> authentication) {
		try {
			Connection connection = Nats
				.connect(authentication.apply(new Options.Builder().server(server.url())).build());
			this.connections.push(connection);
			return NatsLockBackend.builder(connection)
				.bucket("dlock-auth")
				.requestTimeout(Duration.ofSeconds(2))
				.build();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Writes a credentials file in the layout {@code nsc} generates: a user JWT (issued by a
	 * throw-away account; a server without an operator does not check it) and the user's
	 * NKey seed, with which jnats signs the server's nonce.
	 */
	private static Path credentialsFile(Path file, NKey user) throws IOException, GeneralSecurityException {
		NKey account = NKey.createAccount(null);
		String jwt = JwtUtils.issueUserJWT(account, new String(account.getPublicKey()),
				new String(user.getPublicKey()), "dlock");
		Files.writeString(file, "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n"
				+ "-----BEGIN USER NKEY SEED-----\n" + new String(user.getSeed()) + "\n------END USER NKEY SEED------\n");
		return file;
	}

}
