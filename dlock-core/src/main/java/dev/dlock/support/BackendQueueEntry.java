package dev.dlock.support;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;

/**
 * The part every backend's queue entry has: the request, the ticket the server assigned,
 * and a {@code toString} that never shows the owner id, a secret that backends often put
 * into the entry's server-side key.
 * <p>
 * Backends extend it with their own bookkeeping; those that wake waiters through
 * {@link ResourceChanges} extend {@link ChangeTrackingQueueEntry}, which also keeps the
 * change count the entry's last decision saw.
 *
 * @since 0.1.0
 */
public abstract class BackendQueueEntry implements QueueEntry {

	private final AcquireRequest request;

	private final long ticket;

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
	 * Names the entry by its key, mode and ticket, never by its owner id.
	 */
	@Override
	public final String toString() {
		return describe(this);
	}

	/**
	 * Names any queue entry by its class, key, mode and ticket, never by its owner id: for an
	 * entry that cannot extend this class.
	 * @param entry the entry
	 * @return its description
	 */
	public static String describe(QueueEntry entry) {
		AcquireRequest request = entry.request();
		return entry.getClass().getSimpleName() + "[key=" + request.key() + ", mode=" + request.mode() + ", ticket="
				+ entry.ticket() + "]";
	}

}
