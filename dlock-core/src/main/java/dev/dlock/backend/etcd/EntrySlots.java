package dev.dlock.backend.etcd;

import java.util.BitSet;
import java.util.List;
import java.util.UUID;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.LockKeyTable;
import io.etcd.jetcd.ByteSequence;
import org.jspecify.annotations.Nullable;

/**
 * The entry keys of one session: {@code <resource prefix><session id>-<slot>}, where a
 * request takes the lowest slot of its lock key that the session does not use now; and
 * the key of each entry's withdrawal mark. A try (a request that does not wait) is named
 * {@code <session id>-t<slot>}: its entry, when not granted, is deleted again at once, and
 * a holder told of what waits ({@code EtcdLockSession#queue}) must not count it as a
 * request that waits. Only the name tells, so that the value, which every version of the
 * backend reads, stays as it was.
 * <p>
 * A lock taken again and again so reuses the same few etcd keys. A key per request would
 * leave one more deleted key in etcd's index each time, and every read of the queue visits
 * each key etcd has not compacted away: without auto-compaction (etcd's default) a busy lock
 * would get slower by the hour.
 * <p>
 * A slot is free again only once its entry is known to be gone and no enqueue of it is
 * under way (the engine may withdraw a request before its enqueue is answered, and again
 * after). A slot whose enqueue got no answer stays taken for the life of the session, since
 * that enqueue may still be applied later (the session withdraws it with a mark the enqueue
 * cannot be applied past, which lives as long as the session's lease). So a slot's key never
 * exists on the server when a new request takes it, and neither does its mark.
 * <p>
 * The slot of a request is also the entry its enqueue creates ({@link EtcdQueueEntry}): one
 * object per held lock, found again by {@link #entryOf}. Thread-safe.
 */
final class EntrySlots {

	/** What separates the session id from the slot of a request that may wait. */
	private static final String WAITS = "-";

	/** What separates the session id from the slot of a try. */
	private static final String TRIES = "-t";

	private final EtcdLayout layout;

	private final String sessionId = UUID.randomUUID().toString();

	/**
	 * The claims (each the entry of its request, once created), filed by lock key without a
	 * map node each: a session may hold a hundred thousand locks. Requests are told apart by
	 * equality, not by owner id alone, since the engine names an entry by the request it
	 * enqueued. Guarded by this, as are the claims' links and states.
	 */
	private final LockKeyTable<EtcdQueueEntry> claims = new LockKeyTable<>();

	EntrySlots(EtcdLayout layout) {
		this.layout = layout;
	}

	/**
	 * The keys of a request about to be enqueued: its slot, taken now unless it has one
	 * already.
	 */
	synchronized EtcdQueueEntry claim(AcquireRequest request) {
		EtcdQueueEntry claim = find(request);
		if (claim == null) {
			claim = new EtcdQueueEntry(this, request, lowestFree(request.key(), this.claims.chain(request.key())));
			this.claims.add(claim);
		}
		claim.state(State.ENQUEUEING);
		return claim;
	}

	/**
	 * Whether an entry key names a try's entry: its name ends with {@code -t} and the slot's
	 * digits (a session id is a UUID, whose hex digits and separators hold no {@code t}).
	 */
	static boolean isTry(ByteSequence entryKey) {
		byte[] bytes = entryKey.getBytes();
		int end = bytes.length - 1;
		while (end >= 0 && bytes[end] >= '0' && bytes[end] <= '9') {
			end--;
		}
		return end >= 1 && end < bytes.length - 1 && bytes[end] == 't' && bytes[end - 1] == '-';
	}

	/** Records that the request's enqueue was answered. */
	synchronized void answered(AcquireRequest request) {
		setState(request, State.ANSWERED);
	}

	/**
	 * Records that the request's enqueue got no answer and may still be applied: its slot is
	 * never used again in this session.
	 */
	synchronized void unanswered(AcquireRequest request) {
		setState(request, State.UNANSWERED);
	}

	/**
	 * Records that a claim's enqueue created its entry (see {@link EtcdQueueEntry#created}),
	 * unless its slot was freed meanwhile.
	 */
	synchronized void created(EtcdQueueEntry entry) {
		if (find(entry.request()) == entry) {
			entry.markCreated(true);
		}
	}

	/** The slot a request claimed and has not freed (its entry, once created), or {@code null}. */
	synchronized @Nullable EtcdQueueEntry claimOf(AcquireRequest request) {
		return find(request);
	}

	/** The entry the request's enqueue created, while it is not known to be gone, or {@code null}. */
	synchronized @Nullable EtcdQueueEntry entryOf(AcquireRequest request) {
		EtcdQueueEntry claim = find(request);
		return (claim != null && claim.isCreated()) ? claim : null;
	}

	/** Every entry created and not known to be gone. */
	synchronized List<EtcdQueueEntry> entries() {
		List<EtcdQueueEntry> entries = this.claims.members();
		entries.removeIf((claim) -> !claim.isCreated());
		return entries;
	}

	/** Whether the request's enqueue got no answer (and may still be applied). */
	synchronized boolean isUnanswered(AcquireRequest request) {
		EtcdQueueEntry claim = find(request);
		return claim != null && claim.state() == State.UNANSWERED;
	}

	/**
	 * Forgets an entry known to be gone from etcd (unless the request's slot is another one by
	 * now) and frees its slot.
	 */
	synchronized void gone(EtcdQueueEntry entry) {
		if (find(entry.request()) == entry) {
			entry.markCreated(false);
		}
		free(entry.request());
	}

	/** Forgets every entry, as the session ends. */
	synchronized void forgetEntries() {
		for (EtcdQueueEntry claim : this.claims.members()) {
			claim.markCreated(false);
		}
	}

	/**
	 * Frees a request's slot, now that its entry is known to be gone; unless its enqueue is
	 * still under way (it may create the entry after all, and the engine removes it again once
	 * answered). The slot of an unanswered enqueue is no longer the request's, but stays taken.
	 */
	synchronized void free(AcquireRequest request) {
		EtcdQueueEntry claim = find(request);
		if (claim == null || claim.state() == State.ENQUEUEING) {
			return;
		}
		claim.markCreated(false);
		if (claim.state() == State.UNANSWERED) {
			claim.state(State.RETIRED);
			return;
		}
		this.claims.remove(claim);
	}

	private void setState(AcquireRequest request, State state) {
		EtcdQueueEntry claim = find(request);
		if (claim != null && claim.state() != State.UNANSWERED) {
			claim.state(state);
		}
	}

	/** The request's claim, not counting retired ones. */
	private @Nullable EtcdQueueEntry find(AcquireRequest request) {
		for (EtcdQueueEntry claim = this.claims.chain(request.key()); claim != null; claim = claim.nextInTable()) {
			if (claim.state() != State.RETIRED && claim.request().equals(request)) {
				return claim;
			}
		}
		return null;
	}

	/** The lowest slot that no claim on a lock key takes, given the chain its claims are in. */
	private static int lowestFree(String lockKey, @Nullable EtcdQueueEntry chain) {
		BitSet taken = null;
		for (EtcdQueueEntry claim = chain; claim != null; claim = claim.nextInTable()) {
			if (claim.request().key().equals(lockKey)) {
				if (taken == null) {
					taken = new BitSet();
				}
				taken.set(claim.slot());
			}
		}
		// most requests are the only one of their lock key in the session: no set to build
		return (taken != null) ? taken.nextClearBit(0) : 0;
	}

	/** The key of a request's entry in a slot. */
	ByteSequence entryKey(AcquireRequest request, int slot) {
		String entryName = this.sessionId + (request.waitIfBusy() ? WAITS : TRIES) + slot;
		return this.layout.entryKey(request.key(), entryName);
	}

	/** The key of the mark that withdraws an entry for good. */
	ByteSequence withdrawalMarkOf(ByteSequence entryKey) {
		return this.layout.withdrawalMarkOf(entryKey);
	}

	/** How far a claim's enqueue got. */
	enum State {

		ENQUEUEING, ANSWERED, UNANSWERED,

		/** An unanswered enqueue's slot that its request no longer has: taken for good. */
		RETIRED

	}

}
