package dev.dlock.backend.memory;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;

/**
 * An entry in a resource's queue. Its expiry is the server-side lease; {@code observed}
 * is the change count of the resource that the last enqueue or poll saw.
 */
final class MemoryEntry implements QueueEntry {

	private final AcquireRequest request;

	private final long ticket;

	private volatile long expiresAt;

	private volatile long observed;

	MemoryEntry(AcquireRequest request, long ticket, long expiresAt) {
		this.request = request;
		this.ticket = ticket;
		this.expiresAt = expiresAt;
	}

	@Override
	public AcquireRequest request() {
		return this.request;
	}

	@Override
	public long ticket() {
		return this.ticket;
	}

	long expiresAt() {
		return this.expiresAt;
	}

	void expiresAt(long expiresAt) {
		this.expiresAt = expiresAt;
	}

	long observed() {
		return this.observed;
	}

	void observed(long observed) {
		this.observed = observed;
	}

}
