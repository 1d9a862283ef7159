package dev.dlock.spi;

/**
 * Optional behaviours of a backend that the engine adapts to.
 *
 * @since 0.1.0
 */
public enum BackendCapability {

	/**
	 * All entries of a session live under one server lease (etcd). An entry whose removal
	 * failed does not expire while the session lives, so the engine keeps retrying the
	 * removal until it succeeds or the session ends.
	 */
	SESSION_LEASE

}
