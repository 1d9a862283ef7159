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

	synchronized void provenUntil(long until) {
		if (until - this.provenUntil > 0) {
			this.provenUntil = until;
		}
	}

	/** Whether the server has told that the lease no longer exists. */
	boolean isDead() {
		return this.dead;
	}

	void markDead() {
		this.dead = true;
	}

	@Override
	public String toString() {
		return "SessionLease[" + Long.toHexString(this.id) + (this.dead ? ", dead]" : "]");
	}

}
