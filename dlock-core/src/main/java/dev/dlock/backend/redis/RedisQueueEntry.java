package dev.dlock.backend.redis;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;

/**
 * A request recorded in a Redis queue, with what the last enqueue or poll saw: the entry it
 * waits for and the change count of its resource before that call was sent.
 */
final class RedisQueueEntry implements QueueEntry {

	/** The blocker ticket of an entry that waits for nothing (it is granted). */
	static final long NO_BLOCKER = -1;

	private final AcquireRequest request;

	private final RedisResource resource;

	private final String member;

	private final long ticket;

	private volatile long blockerTicket;

	private volatile long observedChanges;

	private volatile boolean grantAnnounced;

	RedisQueueEntry(AcquireRequest request, RedisResource resource, String member, long ticket) {
		this.request = request;
		this.resource = resource;
		this.member = member;
		this.ticket = ticket;
		this.blockerTicket = NO_BLOCKER;
	}

	@Override
	public AcquireRequest request() {
		return this.request;
	}

	@Override
	public long ticket() {
		return this.ticket;
	}

	RedisResource resource() {
		return this.resource;
	}

	/** The queue member: mode and owner id. A secret: never log it. */
	String member() {
		return this.member;
	}

	long blockerTicket() {
		return this.blockerTicket;
	}

	long observedChanges() {
		return this.observedChanges;
	}

	/**
	 * Records what an enqueue or poll saw.
	 * @param blockerTicket the ticket of the entry this one waits for, or
	 * {@link #NO_BLOCKER}
	 * @param observedChanges the change count of the resource before the call was sent
	 */
	void observed(long blockerTicket, long observedChanges) {
		this.blockerTicket = blockerTicket;
		this.observedChanges = observedChanges;
	}

	/**
	 * Records that a script announced this entry as granted. A grant, once decided on the
	 * server, holds until the entry is removed or expires, so the next poll needs no round
	 * trip.
	 */
	void grantAnnounced() {
		this.grantAnnounced = true;
	}

	boolean isGrantAnnounced() {
		return this.grantAnnounced;
	}

	@Override
	public String toString() {
		// the member holds the owner id, a secret
		return "RedisQueueEntry[key=" + this.request.key() + ", mode=" + this.request.mode() + ", ticket="
				+ this.ticket + "]";
	}

}
