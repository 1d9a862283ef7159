package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.dlock.support.TimeSource;
import io.etcd.jetcd.ByteSequence;

/**
 * The entries of one backend whose removal was sent: their requests were released or
 * withdrawn, so nobody holds them any more, and the backend's own later requests do not
 * wait for them (other clients still do, until etcd deletes them). This lets a request
 * follow a release of the same key at once, although jetcd may send it before the delete.
 * <p>
 * An entry is known by its key and create revision, since a key is used again. It stays
 * known for a request timeout after its removal was answered: a reply to a transaction
 * sent before the delete was applied can arrive after the delete's own reply, and may still
 * show the entry. Thread-safe.
 */
final class DepartingEntries {

	private final Map<ByteSequence, Long> ticketByKey = new ConcurrentHashMap<>();

	private final Queue<Settled> settled = new ConcurrentLinkedQueue<>();

	private final long keepNanos;

	private final TimeSource time;

	DepartingEntries(Duration keep, TimeSource time) {
		this.keepNanos = keep.toNanos();
		this.time = time;
	}

	/** Records that the removal of an entry is being sent. */
	void departing(ByteSequence entryKey, long ticket) {
		forgetExpired();
		this.ticketByKey.put(entryKey, ticket);
	}

	/** Records that the removal of an entry was answered (or failed; a retry records it again). */
	void settled(ByteSequence entryKey, long ticket) {
		this.settled.add(new Settled(entryKey, ticket, this.time.nanoTime() + this.keepNanos));
	}

	/** Whether a request of this backend may disregard this entry. */
	boolean contains(ByteSequence entryKey, long ticket) {
		Long departing = this.ticketByKey.get(entryKey);
		return departing != null && departing == ticket;
	}

	private void forgetExpired() {
		long now = this.time.nanoTime();
		Settled oldest;
		while ((oldest = this.settled.peek()) != null && now - oldest.forgetAt() >= 0) {
			if (this.settled.remove(oldest)) {
				this.ticketByKey.remove(oldest.entryKey(), oldest.ticket());
			}
		}
	}

	private record Settled(ByteSequence entryKey, long ticket, long forgetAt) {
	}

}
