package dev.dlock.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Where and how the auto-configured jnats connection connects to NATS. By default read
 * from {@code dlock.nats.*}; a bean of this type (a user's, or one that Testcontainers'
 * service connections define) takes their place, and also selects the NATS backend when
 * {@code dlock.backend} is not set.
 *
 * @since 0.1.0
 */
public interface NatsConnectionDetails extends ServerConnectionDetails {

	/**
	 * The server URLs, such as {@code nats://127.0.0.1:4222}; several for a cluster.
	 * @return the URLs, not empty
	 */
	List<String> getServers();

	/**
	 * The authentication token.
	 * @return the token, or {@code null}
	 */
	default @Nullable String getToken() {
		return null;
	}

	/**
	 * The path of a credentials file (user JWT and NKey seed).
	 * @return the path, or {@code null}
	 */
	default @Nullable String getCredentials() {
		return null;
	}

}
