package dev.dlock.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.ssl.SslBundle;

/**
 * Where and how the auto-configured jetcd client connects to etcd. By default read from
 * {@code dlock.etcd.*}; a bean of this type (a user's, or one that Testcontainers' service
 * connections define) takes their place, and also selects the etcd backend when
 * {@code dlock.backend} is not set.
 *
 * @since 0.1.0
 */
public interface EtcdConnectionDetails extends ConnectionDetails {

	/**
	 * The endpoints, such as {@code http://127.0.0.1:2379}; several for a cluster.
	 * @return the endpoint URIs, not empty
	 */
	List<String> getEndpoints();

	/**
	 * The login user of etcd authentication.
	 * @return the user, or {@code null} without authentication
	 */
	default @Nullable String getUser() {
		return null;
	}

	/**
	 * The login password of etcd authentication.
	 * @return the password, or {@code null} without authentication
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
