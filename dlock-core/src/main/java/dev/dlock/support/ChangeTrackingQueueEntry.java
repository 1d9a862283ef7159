package dev.dlock.support;

import dev.dlock.spi.AcquireRequest;

/**
 * A queue entry of a backend that wakes waiters through {@link ResourceChanges}: it also
 * keeps the {@linkplain ResourceChanges change count} of its resource that the last enqueue
 * or poll saw, from which a watch of the resource starts. Backends that wake waiters
 * another way extend {@link BackendQueueEntry} and keep no such count, since one entry
 * lives per held lock.
 *
 * @since 0.1.0
 */
public abstract class ChangeTrackingQueueEntry extends BackendQueueEntry {

	private volatile long observedChanges;

	/**
	 * Creates an entry.
	 * @param request the request it records
	 * @param ticket the ticket the server assigned
	 */
	protected ChangeTrackingQueueEntry(AcquireRequest request, long ticket) {
		super(request, ticket);
	}

	/**
	 * The change count of the entry's resource that the last enqueue or poll saw; see
	 * {@link ResourceChanges#watch}.
	 * @return the count
	 */
	public final long observedChanges() {
		return this.observedChanges;
	}

	/**
	 * Records the change count of the entry's resource that an enqueue or poll saw.
	 * @param changes the count
	 */
	public final void observedChanges(long changes) {
		this.observedChanges = changes;
	}

}
