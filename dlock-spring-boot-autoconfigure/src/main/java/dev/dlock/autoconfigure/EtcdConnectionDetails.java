package dev.dlock.autoconfigure;

import java.util.List;

/**
 * Where and how the auto-configured jetcd client connects to etcd. By default read from
 * {@code dlock.etcd.*}; a bean of this type (a user's, or one that Testcontainers' service
 * connections define) takes their place, and also selects the etcd backend when
 * {@code dlock.backend} is not set.
 *
 * @since 0.1.0
 */
public interface EtcdConnectionDetails extends ServerConnectionDetails {

	/**
	 * The endpoints, such as {@code http://127.0.0.1:2379}; several for a cluster.
	 * @return the endpoint URIs, not empty
	 */
	List<String> getEndpoints();

}
