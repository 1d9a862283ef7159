package dev.dlock.spi;

/**
 * A request recorded in a resource's queue on the server. Backends implement it and may
 * keep their own bookkeeping in it (for example what the last poll observed), since they
 * get back only entries they created.
 *
 * @since 0.1.0
 */
public interface QueueEntry {

	/**
	 * The request this entry records.
	 * @return the request
	 */
	AcquireRequest request();

	/**
	 * The ticket the server assigned: strictly increasing per resource, also across server
	 * restarts with the backend's documented persistence. Also the fencing token of the
	 * grant.
	 * @return the ticket
	 */
	long ticket();

}
