package dev.dlock.backend.etcd;

/**
 * One etcd lease of a session, and until when (on this JVM's monotonic clock) it is
 * proved to live on the server: the send time of its last successful grant or keep-alive
 * plus the TTL the server confirmed.
 */
final class SessionLease {

	private final long id;

	private volatile long provenUntil;

	private volatile boolean dead;

	SessionLease(long id, long provenUntil) {
		this.id = id;
		this.provenUntil = provenUntil;
	}

	long id() {
		return this.id;
	}

	long provenUntil() {
		return this.provenUntil;
	}

	/**
	 * Records a keep-alive that etcd confirmed, unless the lease was given up meanwhile
	 * (then the confirmation must not make its entries count as renewed).
	 * @param until the send time of the keep-alive plus the confirmed TTL
	 * @return {@code false} if the lease is dead
	 */
	synchronized boolean confirm(long until) {
		if (this.dead) {
			return false;
		}
		if (until - this.provenUntil > 0) {
			this.provenUntil = until;
		}
		return true;
	}

	/** Whether the server has told that the lease no longer exists. */
	boolean isDead() {
		return this.dead;
	}

	synchronized void markDead() {
		this.dead = true;
	}

	@Override
	public String toString() {
		return "SessionLease[" + Long.toHexString(this.id) + (this.dead ? ", dead]" : "]");
	}

}
