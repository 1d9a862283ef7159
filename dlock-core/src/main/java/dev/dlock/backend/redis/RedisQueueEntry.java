package dev.dlock.backend.redis;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.ChangeTrackingQueueEntry;

/**
 * A request recorded in a Redis queue, with what the last enqueue, conversion or poll saw:
 * the entry it waits for and the change count of its resource before that call was sent.
 * <p>
 * One lives per held lock, so it keeps no key of its own: the resource's Redis keys and
 * the queue member are derived from the request when a call needs them.
 */
final class RedisQueueEntry extends ChangeTrackingQueueEntry {

	/** The blocker ticket of an entry that waits for nothing (it is granted). */
	static final long NO_BLOCKER = -1;

	/** The backend's key prefix: shared by every entry. */
	private final String keyPrefix;

	private volatile long blockerTicket;

	private volatile boolean grantAnnounced;

	private volatile boolean converting;

	private volatile boolean mayWrite;

	RedisQueueEntry(AcquireRequest request, String keyPrefix, long ticket) {
		super(request, ticket);
		this.keyPrefix = keyPrefix;
		this.blockerTicket = NO_BLOCKER;
		this.mayWrite = isWriting(request.mode());
	}

	/**
	 * Records that the entry asked for a mode; once it asked for {@code PW} or {@code EX}
	 * it may be its lock's marked value writer, whose mark its renewals keep alive.
	 * @param mode the mode asked for
	 */
	void asked(LockMode mode) {
		if (isWriting(mode)) {
			this.mayWrite = true;
		}
	}

	/**
	 * Whether the entry may be marked as its lock's value writer: it asked for {@code PW}
	 * or {@code EX}, when enqueued or in a conversion, at some time.
	 * @return whether renewals look for its mark
	 */
	boolean mayWrite() {
		return this.mayWrite;
	}

	private static boolean isWriting(LockMode mode) {
		return mode == LockMode.PW || mode == LockMode.EX;
	}

	/** The Redis keys of the entry's resource, derived anew on each call. */
	RedisResource resource() {
		return RedisResource.of(this.keyPrefix, request().key());
	}

	/** The queue member: mode and owner id. A secret: never log it. */
	String member() {
		return member(request());
	}

	/** The queue member of a request: its mode and owner id. A secret: never log it. */
	static String member(AcquireRequest request) {
		return request.mode().name() + ":" + request.ownerId();
	}

	long blockerTicket() {
		return this.blockerTicket;
	}

	/**
	 * Records what an enqueue or poll saw.
	 * @param blockerTicket the ticket of the entry this one waits for, or
	 * {@link #NO_BLOCKER}
	 * @param observedChanges the change count of the resource before the call was sent
	 */
	void observed(long blockerTicket, long observedChanges) {
		this.blockerTicket = blockerTicket;
		observedChanges(observedChanges);
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

	/**
	 * Records whether a conversion of this entry is under way. The announcement of the
	 * entry's first grant says nothing about it.
	 * @param converting whether a conversion was asked and not yet granted or withdrawn
	 */
	void converting(boolean converting) {
		this.converting = converting;
	}

	/**
	 * Whether the entry is known to be granted without asking the server: its grant was
	 * announced and no conversion is under way.
	 * @return whether a poll may answer at once
	 */
	boolean isKnownGranted() {
		return this.grantAnnounced && !this.converting;
	}

}
