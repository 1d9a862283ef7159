package dev.dlock.backend.memory;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.BackendQueueEntry;

/**
 * An entry in a resource's queue. Its expiry is the server-side lease; its
 * {@linkplain #observedChanges() observed changes} are the change count of the resource
 * that the last enqueue or poll saw.
 */
final class MemoryEntry extends BackendQueueEntry {

	private volatile long expiresAt;

	MemoryEntry(AcquireRequest request, long ticket, long expiresAt) {
		super(request, ticket);
		this.expiresAt = expiresAt;
	}

	long expiresAt() {
		return this.expiresAt;
	}

	void expiresAt(long expiresAt) {
		this.expiresAt = expiresAt;
	}

}
