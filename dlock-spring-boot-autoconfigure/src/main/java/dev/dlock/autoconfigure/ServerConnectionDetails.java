package dev.dlock.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.ssl.SslBundle;

/**
 * The login and TLS part of the details of a connection to a backend's server, shared by
 * {@link EtcdConnectionDetails} and {@link NatsConnectionDetails}.
 *
 * @since 0.1.0
 */
public interface ServerConnectionDetails extends ConnectionDetails {

	/**
	 * The login user.
	 * @return the user, or {@code null} without one
	 */
	default @Nullable String getUser() {
		return null;
	}

	/**
	 * The login password.
	 * @return the password, or {@code null} without one
	 */
	default @Nullable String getPassword() {
		return null;
	}

	/**
	 * The TLS trust and key material.
	 * @return the SSL bundle, or {@code null} to connect without TLS
	 */
	default @Nullable SslBundle getSslBundle() {
		return null;
	}

}
