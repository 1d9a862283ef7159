package dev.dlock.backend.nats;

/**
 * One heartbeat of a session in the {@link LiveBucket}, and until when (on this JVM's
 * monotonic clock) it is proved to live at the server: the send time of its last confirmed
 * write plus the live bucket's max age. Once the server told that it is gone it is dead for
 * good, and so is every entry written under it; the session writes a new heartbeat, with a
 * new id, for its next entries.
 */
final class SessionHeartbeat {

	private final String id;

	private long revision;

	private long provenUntil;

	private boolean dead;

	SessionHeartbeat(String id, long revision, long provenUntil) {
		this.id = id;
		this.revision = revision;
		this.provenUntil = provenUntil;
	}

	/** The session id: the heartbeat's key, and what the session's entries store. */
	String id() {
		return this.id;
	}

	synchronized long revision() {
		return this.revision;
	}

	/** Whether it is proved alive at the server until {@code nanos}, at least. */
	synchronized boolean provenAliveUntil(long nanos) {
		return !this.dead && this.provenUntil - nanos >= 0;
	}

	/**
	 * Records a confirmed update, unless the heartbeat was found dead meanwhile.
	 * @param until its send time plus the live bucket's max age
	 */
	synchronized void confirm(long revision, long until) {
		if (this.dead) {
			return;
		}
		this.revision = Math.max(this.revision, revision);
		if (until - this.provenUntil > 0) {
			this.provenUntil = until;
		}
	}

	/**
	 * Records a revision the stream leader showed (an update that was applied but whose
	 * reply was lost), without proving anything.
	 */
	synchronized void advance(long revision) {
		this.revision = Math.max(this.revision, revision);
	}

	synchronized boolean isDead() {
		return this.dead;
	}

	synchronized void markDead() {
		this.dead = true;
	}

	@Override
	public String toString() {
		return "SessionHeartbeat[revision=" + revision() + (isDead() ? ", dead]" : "]");
	}

}
