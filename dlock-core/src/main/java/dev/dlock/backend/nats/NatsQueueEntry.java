package dev.dlock.backend.nats;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;

/**
 * A request's entry in the bucket: KV key {@code <encoded key>.<owner id>}, its ticket
 * (the create revision, also the fencing token) and the revision its last write made, which
 * the next renewal must match.
 */
final class NatsQueueEntry implements QueueEntry {

	private final AcquireRequest request;

	private final String resource;

	private final long ticket;

	private volatile long revision;

	private volatile long seenChanges;

	NatsQueueEntry(AcquireRequest request, String resource, long ticket) {
		this.request = request;
		this.resource = resource;
		this.ticket = ticket;
		this.revision = ticket;
	}

	@Override
	public AcquireRequest request() {
		return this.request;
	}

	@Override
	public long ticket() {
		return this.ticket;
	}

	/** The encoded key: the first token of the entry's KV key. */
	String resource() {
		return this.resource;
	}

	/** The owner id: the second token of the entry's KV key. */
	String owner() {
		return this.request.ownerId();
	}

	long revision() {
		return this.revision;
	}

	/** Records the revision a write of this entry made, unless a later one is known. */
	synchronized void advance(long revision) {
		if (revision > this.revision) {
			this.revision = revision;
		}
	}

	/** The resource's change stamp that the last decision about this entry saw. */
	long seenChanges() {
		return this.seenChanges;
	}

	void seenChanges(long changes) {
		this.seenChanges = changes;
	}

	@Override
	public String toString() {
		// the owner id is a secret
		return "NatsQueueEntry[key=" + this.request.key() + ", mode=" + this.request.mode() + ", ticket=" + this.ticket
				+ "]";
	}

}
