package dev.dlock.backend.nats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.UUID;
import java.util.function.UnaryOperator;

import dev.dlock.LockBackendException;
import dev.dlock.tck.SharedAndExclusive;
import dev.dlock.testserver.NatsServer;
import io.nats.client.NKey;
import io.nats.client.support.JwtUtils;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backend against nats-servers that demand a token or an NKey user: the builder's
 * {@code token} and {@code credentials} (a {@code .creds} file, as {@code nsc} writes
 * them) are all it takes, and wrong ones are refused with a {@link LockBackendException}.
 */
class NatsLockBackendAuthIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Nested
	class Token {

		private final String token = "t0ken-" + UUID.randomUUID();

		@Test
		void locksWorkWithTheServersToken() throws Exception {
			try (NatsServer server = NatsServer.startWithToken(this.token)) {
				assertLocksWork(server, (builder) -> builder.token(this.token.toCharArray()));
			}
		}

		@Test
		void aWrongTokenIsRefusedWithABackendException() {
			try (NatsServer server = NatsServer.startWithToken(this.token)) {
				assertRefused(server, (builder) -> builder.token("wrong".toCharArray()));
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
				assertLocksWork(server, (builder) -> builder.credentials(credentials));
			}
		}

		@Test
		void anotherUsersCredentialsFileIsRefusedWithABackendException() throws Exception {
			NKey user = NKey.createUser(null);
			Path stranger = credentialsFile(this.directory.resolve("stranger.creds"), NKey.createUser(null));
			try (NatsServer server = NatsServer.startWithNkeyUser(new String(user.getPublicKey()))) {
				assertRefused(server, (builder) -> builder.credentials(stranger));
			}
		}

	}

	private static void assertLocksWork(NatsServer server, UnaryOperator<NatsLockBackend.Builder> authentication)
			throws Exception {
		SharedAndExclusive.checkBackends(() -> backend(server, authentication), WAIT);
	}

	private static void assertRefused(NatsServer server, UnaryOperator<NatsLockBackend.Builder> authentication) {
		assertThatExceptionOfType(LockBackendException.class)
			.isThrownBy(() -> backend(server, authentication).close());
	}

	private static NatsLockBackend backend(NatsServer server, UnaryOperator<NatsLockBackend.Builder> authentication) {
		return authentication
			.apply(NatsLockBackend.builder().servers(server.url()).bucket("dlock-auth").requestTimeout(Duration.ofSeconds(2)))
			.build();
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
