package dev.dlock.support;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;

/**
 * The part every backend's queue entry has: the request, the ticket the server assigned,
 * the {@linkplain ResourceChanges change count} of its resource that the last enqueue or
 * poll saw (backends that wake waiters another way leave it at zero), and a
 * {@code toString} that never shows the owner id, a secret that backends often put into
 * the entry's server-side key.
 * <p>
 * Backends extend it with their own bookkeeping.
 *
 * @since 0.1.0
 */
public abstract class BackendQueueEntry implements QueueEntry {

	private final AcquireRequest request;

	private final long ticket;

	private volatile long observedChanges;

	/**
	 * Creates an entry.
	 * @param request the request it records
	 * @param ticket the ticket the server assigned
	 */
	protected BackendQueueEntry(AcquireRequest request, long ticket) {
		this.request = request;
		this.ticket = ticket;
	}

	@Override
	public final AcquireRequest request() {
		return this.request;
	}

	@Override
	public final long ticket() {
		return this.ticket;
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

	/**
	 * Names the entry by its key, mode and ticket, never by its owner id.
	 */
	@Override
	public final String toString() {
		return getClass().getSimpleName() + "[key=" + this.request.key() + ", mode=" + this.request.mode()
				+ ", ticket=" + this.ticket + "]";
	}

}
