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
	 * A removal this backend was asked for counts before any request it is asked for later,
	 * so that a request never queues behind an entry of its own manager on its way out:
	 * either its calls reach the server in the order they are made (Redis and NATS write
	 * every call to one connection at once), or it does not count entries whose removal it
	 * has sent (etcd, whose client sends each call from an executor, so that a create can
	 * overtake the delete made before it). Without it the engine holds a new request for a
	 * key back until its own removals of that key have been answered.
	 */
	OWN_REMOVALS_FIRST,

	/**
	 * The backend converts a granted entry's mode in place ({@link LockSession#convert},
	 * {@link LockSession#cancelConversion}). Without it the engine refuses conversions with
	 * an {@link UnsupportedOperationException}.
	 */
	CONVERSION,

	/**
	 * The backend reads a granted entry's queue and signals when a request joins it or a
	 * conversion is asked ({@link LockSession#queue}, {@link LockSession#watchQueue}), so
	 * that holders can be told what their mode blocks (DESIGN.md §12). Without it the
	 * engine refuses blocking listeners with an {@link UnsupportedOperationException}.
	 */
	BLOCKING_NOTIFICATIONS,

	/**
	 * The backend keeps a value block per key ({@link LockSession#readValue},
	 * {@link LockSession#writeValue}; DESIGN.md §12), marks it invalid when a {@code PW} or
	 * {@code EX} entry ends without a removal (its lease ran out), and drops it a retention
	 * time after its last write. Without it the engine refuses {@link dev.dlock.LockHandle#value}
	 * and {@link dev.dlock.LockHandle#setValue} with an {@link UnsupportedOperationException}.
	 */
	VALUE_BLOCKS

}
