package dev.dlock.backend.etcd;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.BackendQueueEntry;
import io.etcd.jetcd.ByteSequence;
import org.jspecify.annotations.Nullable;

/**
 * An entry this backend created: its etcd key, its create revision (ticket and fencing
 * token), the lease it lives under, and what the last enqueue or poll saw, so that a watch
 * can start exactly where that snapshot ended.
 */
final class EtcdQueueEntry extends BackendQueueEntry {

	private final ByteSequence key;

	private final SessionLease lease;

	private volatile Observation observed;

	private volatile long validBound;

	EtcdQueueEntry(AcquireRequest request, ByteSequence key, long ticket, SessionLease lease,
			Observation observed, long validBound) {
		super(request, ticket);
		this.key = key;
		this.lease = lease;
		this.observed = observed;
		this.validBound = validBound;
	}

	ByteSequence key() {
		return this.key;
	}

	SessionLease lease() {
		return this.lease;
	}

	Observation observed() {
		return this.observed;
	}

	void observed(Observation observation) {
		this.observed = observation;
	}

	/**
	 * A time (on this JVM's monotonic clock) after which the engine surely no longer counts
	 * this entry valid unless it renewed it again: a lease time after the last enqueue or
	 * renew call that covered it.
	 */
	long validBound() {
		return this.validBound;
	}

	void validBound(long bound) {
		this.validBound = bound;
	}

	/**
	 * What one snapshot of the queue showed.
	 *
	 * @param revision the store revision of the snapshot
	 * @param blocker the latest earlier conflicting entry, or {@code null} when granted
	 */
	record Observation(long revision, EtcdLayout.@Nullable Slot blocker) {

	}

}
