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
	SESSION_LEASE,

	/**
	 * Calls reach the server in the order they are made (Redis and NATS write every call to
	 * one connection at once). Without it the engine holds a new request for a key back
	 * until its own removals of that key have been answered, so that the request does not
	 * queue behind an entry of this manager that is on its way out (etcd's client sends
	 * each call from its own executor, so a create can overtake the delete made before it).
	 */
	ORDERED_CALLS

}
