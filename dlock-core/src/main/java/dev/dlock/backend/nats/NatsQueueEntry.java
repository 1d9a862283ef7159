package dev.dlock.backend.nats;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.BackendQueueEntry;

/**
 * A request's entry in the bucket: KV key {@code <encoded key>.<owner id>}, its ticket
 * (the create revision, also the fencing token) and the revision its last write made, which
 * the next renewal must match. Its {@linkplain #observedChanges() observed changes} are the
 * resource's change stamp that the last decision about it saw.
 */
final class NatsQueueEntry extends BackendQueueEntry {

	private final String resource;

	private volatile long revision;

	NatsQueueEntry(AcquireRequest request, String resource, long ticket) {
		super(request, ticket);
		this.resource = resource;
		this.revision = ticket;
	}

	/** The encoded key: the first token of the entry's KV key. */
	String resource() {
		return this.resource;
	}

	/** The owner id: the second token of the entry's KV key. */
	String owner() {
		return request().ownerId();
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

}
