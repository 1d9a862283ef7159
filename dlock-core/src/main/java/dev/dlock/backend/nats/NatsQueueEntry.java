package dev.dlock.backend.nats;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.ChangeTrackingQueueEntry;
import dev.dlock.support.CompactDeadline;
import dev.dlock.support.KeyCodec;
import dev.dlock.support.LockKeyTable;
import org.jspecify.annotations.Nullable;

/**
 * A request's entry in the bucket: KV key {@code <encoded key>.<owner id>}, its ticket
 * (the create revision), and the value and revision of the last message of the entry that
 * this backend wrote or read: the next write of the entry (a renewal, a conversion) is
 * checked against that revision. Its {@linkplain #observedChanges() observed changes} are
 * the resource's change stamp that the last decision about it saw. It lives as long as the
 * session's {@linkplain #heartbeat() heartbeat} (and is rewritten before the bucket's max age
 * could drop it).
 */
final class NatsQueueEntry extends ChangeTrackingQueueEntry implements LockKeyTable.Member<NatsQueueEntry> {

	private final NatsBucket bucket;

	private long revision;

	private EntryValue value;

	private boolean assumed;

	/** When this backend sent the write that made {@link #revision}, if it did. */
	private long sentAt;

	private boolean sentHere;

	private final SessionHeartbeat heartbeat;

	/** When this backend sent its last confirmed write of the entry (its create, at first). */
	private long lastSent;

	/**
	 * A bound of the engine's validity of the entry: a renewal round's start plus the lease,
	 * as a {@link CompactDeadline} (one entry lives per held lock).
	 */
	private volatile int validBound;

	/** The next entry in its chain of the session's table; guarded by the session. */
	private @Nullable NatsQueueEntry next;

	NatsQueueEntry(AcquireRequest request, NatsBucket bucket, long ticket, EntryValue value,
			SessionHeartbeat heartbeat, long createdAt, long validBound) {
		super(request, ticket);
		this.validBound = CompactDeadline.roundedUp(validBound);
		this.bucket = bucket;
		this.revision = ticket;
		this.value = value;
		this.heartbeat = heartbeat;
		this.lastSent = createdAt;
	}

	/**
	 * Whether a time (monotonic nanoseconds) is past the moment the engine surely counts the
	 * entry valid no longer: a lease after the start of the last renewal round that had it,
	 * or after its enqueue.
	 */
	boolean isPastValidBound(long nanos) {
		return CompactDeadline.isReached(this.validBound, nanos);
	}

	/** Sets the valid bound (see {@link #isPastValidBound}), in monotonic nanoseconds. */
	void validBound(long nanos) {
		this.validBound = CompactDeadline.roundedUp(nanos);
	}

	/** The heartbeat of the session that wrote the entry: the entry is dead once it is. */
	SessionHeartbeat heartbeat() {
		return this.heartbeat;
	}

	/**
	 * Whether this backend's last confirmed write of the entry was sent before
	 * {@code nanos} ({@link dev.dlock.support.TimeSource#nanoTime()}): every message of the
	 * entry since was stored later, so the entry lives at least the bucket's max age from
	 * that send.
	 */
	synchronized boolean lastSentBefore(long nanos) {
		return this.lastSent - nanos < 0;
	}

	/** The bucket that holds the entry: every later call about it goes there. */
	NatsBucket bucket() {
		return this.bucket;
	}

	/**
	 * The encoded key: the first token of the entry's KV key, encoded on each call (one lives
	 * per held lock, and the copy of the bucket is keyed by the {@linkplain #lockKey() lock
	 * key}).
	 */
	String resource() {
		return KeyCodec.encode(request().key());
	}

	/**
	 * The lock key, as the request holds it: what the copy of the bucket keys the entry's
	 * queue by, and the session its entries.
	 */
	@Override
	public String lockKey() {
		return request().key();
	}

	@Override
	public @Nullable NatsQueueEntry nextInTable() {
		return this.next;
	}

	@Override
	public void nextInTable(@Nullable NatsQueueEntry next) {
		this.next = next;
	}

	synchronized long revision() {
		return this.revision;
	}

	/** The value of the last known message of the entry, its numbers resolved. */
	synchronized EntryValue value() {
		return this.value;
	}

	/**
	 * Records the value a message of this entry holds (a renewal, a read), unless a later
	 * message is known. An {@linkplain #assume assumed} value stays until a message holds
	 * it.
	 */
	synchronized void advance(long revision, EntryValue value) {
		if (revision > this.revision) {
			this.revision = revision;
			this.sentHere = false;
			if (!this.assumed || !storesAsPending(value, this.value)) {
				this.value = value;
				this.assumed = false;
			}
		}
	}

	/**
	 * Whether a message keeps an assumed grant as the pending conversion it was granted
	 * from (same target, same place in the conversion queue, which is the grant's token):
	 * any other message (the grant stored, a later conversion, a withdrawal) replaces it.
	 */
	private static boolean storesAsPending(EntryValue message, EntryValue assumed) {
		return message.requested() == assumed.granted() && message.order() == assumed.token();
	}

	/**
	 * Records a renewal of this backend, sent at {@code sentAt} ({@link #advance}, for a
	 * write of the value the entry had).
	 */
	synchronized void renewed(long revision, EntryValue value, long sentAt) {
		if (revision >= this.revision) {
			if (revision > this.revision) {
				advance(revision, value);
			}
			this.sentAt = sentAt;
			this.sentHere = true;
		}
		sent(sentAt);
	}

	private void sent(long sentAt) {
		if (sentAt - this.lastSent > 0) {
			this.lastSent = sentAt;
		}
	}

	/**
	 * Records a value this backend computed from the entry's value and wrote at
	 * {@code sentAt}. It stands even when a read of that very message came first (the
	 * watcher, or a renewal's read, can deliver it before its reply): such a read keeps an
	 * {@linkplain #assume assumed} value, which this write replaces.
	 */
	synchronized void wrote(long revision, EntryValue value, long sentAt) {
		if (revision >= this.revision) {
			this.revision = revision;
			this.value = value;
			this.assumed = false;
			this.sentAt = sentAt;
			this.sentHere = true;
		}
		sent(sentAt);
	}

	/**
	 * Whether the last known message of the entry is a write this backend sent at or after
	 * {@code nanos} ({@link dev.dlock.support.TimeSource#nanoTime()}): the server stored it
	 * later still, so it keeps the entry at least a max age from then, as a renewal sent
	 * then would.
	 */
	synchronized boolean wroteSince(long nanos) {
		return this.sentHere && this.sentAt - nanos >= 0;
	}

	/**
	 * Replaces the value without a new message: what the next write of the entry stores.
	 */
	synchronized void assume(EntryValue value) {
		this.value = value;
		this.assumed = true;
	}

	/** Records a message of this entry that a server read showed. */
	void advance(StoredEntry stored) {
		advance(stored.revision(), stored.value());
	}

}
