package dev.dlock.backend.etcd;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.dlock.spi.AcquireRequest;
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
 * The slot of a request is also where the session keeps the entry its enqueue created
 * ({@link #entryOf}): one map node per lock key in use, not one per map, since a session
 * may hold a hundred thousand locks. Thread-safe.
 */
final class EntrySlots {

	/** What separates the session id from the slot of a request that may wait. */
	private static final String WAITS = "-";

	/** What separates the session id from the slot of a try. */
	private static final String TRIES = "-t";

	private final EtcdLayout layout;

	private final String sessionId = UUID.randomUUID().toString();

	/**
	 * The slots taken on each lock key, as a chain from the newest; guarded by this. Requests
	 * are told apart by equality, not by owner id alone, since the engine names an entry by the
	 * request it enqueued.
	 */
	private final Map<String, Keys> byLockKey = new HashMap<>();

	EntrySlots(EtcdLayout layout) {
		this.layout = layout;
	}

	/**
	 * The keys of a request about to be enqueued: its slot, taken now unless it has one
	 * already.
	 */
	synchronized Keys claim(AcquireRequest request) {
		Keys first = this.byLockKey.get(request.key());
		Keys claim = find(first, request);
		if (claim == null) {
			claim = new Keys(this, request, lowestFree(first), first);
			this.byLockKey.put(request.key(), claim);
		}
		claim.state = State.ENQUEUEING;
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

	/** Records the entry the request's enqueue created, unless its slot was freed meanwhile. */
	synchronized void created(AcquireRequest request, EtcdQueueEntry entry) {
		Keys claim = find(this.byLockKey.get(request.key()), request);
		if (claim != null) {
			claim.entry = entry;
		}
	}

	/** The keys a request claimed and has not freed, or {@code null}. */
	synchronized @Nullable Keys keysOf(AcquireRequest request) {
		return find(this.byLockKey.get(request.key()), request);
	}

	/** The entry the request's enqueue created, while it is not known to be gone, or {@code null}. */
	synchronized @Nullable EtcdQueueEntry entryOf(AcquireRequest request) {
		Keys claim = find(this.byLockKey.get(request.key()), request);
		return (claim != null) ? claim.entry : null;
	}

	/** Every entry created and not known to be gone. */
	synchronized List<EtcdQueueEntry> entries() {
		List<EtcdQueueEntry> entries = new ArrayList<>();
		for (Keys first : this.byLockKey.values()) {
			for (Keys claim = first; claim != null; claim = claim.next) {
				if (claim.entry != null) {
					entries.add(claim.entry);
				}
			}
		}
		return entries;
	}

	/** Whether the request's enqueue got no answer (and may still be applied). */
	synchronized boolean isUnanswered(AcquireRequest request) {
		Keys claim = find(this.byLockKey.get(request.key()), request);
		return claim != null && claim.state == State.UNANSWERED;
	}

	/**
	 * Forgets an entry known to be gone from etcd (unless the request's slot holds another one
	 * by now) and frees its slot.
	 */
	synchronized void gone(EtcdQueueEntry entry) {
		Keys claim = find(this.byLockKey.get(entry.request().key()), entry.request());
		if (claim != null && claim.entry == entry) {
			claim.entry = null;
		}
		free(entry.request());
	}

	/** Forgets every entry, as the session ends. */
	synchronized void forgetEntries() {
		for (Keys first : this.byLockKey.values()) {
			for (Keys claim = first; claim != null; claim = claim.next) {
				claim.entry = null;
			}
		}
	}

	/**
	 * Frees a request's slot, now that its entry is known to be gone; unless its enqueue is
	 * still under way (it may create the entry after all, and the engine removes it again once
	 * answered). The slot of an unanswered enqueue is no longer the request's, but stays taken.
	 */
	synchronized void free(AcquireRequest request) {
		Keys first = this.byLockKey.get(request.key());
		Keys claim = find(first, request);
		if (claim == null || claim.state == State.ENQUEUEING) {
			return;
		}
		claim.entry = null;
		if (claim.state == State.UNANSWERED) {
			claim.state = State.RETIRED;
			return;
		}
		Keys rest = unlinked(first, claim);
		if (rest == null) {
			this.byLockKey.remove(request.key());
		}
		else {
			this.byLockKey.put(request.key(), rest);
		}
	}

	private void setState(AcquireRequest request, State state) {
		Keys claim = find(this.byLockKey.get(request.key()), request);
		if (claim != null && claim.state != State.UNANSWERED) {
			claim.state = state;
		}
	}

	/** The request's slot in a chain, not counting retired ones. */
	private static @Nullable Keys find(@Nullable Keys first, AcquireRequest request) {
		for (Keys claim = first; claim != null; claim = claim.next) {
			if (claim.state != State.RETIRED && claim.request.equals(request)) {
				return claim;
			}
		}
		return null;
	}

	/** The lowest slot that no claim of a chain takes. */
	private static int lowestFree(@Nullable Keys first) {
		if (first == null) {
			return 0;
		}
		BitSet taken = new BitSet();
		for (Keys claim = first; claim != null; claim = claim.next) {
			taken.set(claim.slot);
		}
		return taken.nextClearBit(0);
	}

	/** A chain without one of its claims (whose link is then left as it was). */
	private static @Nullable Keys unlinked(Keys first, Keys claim) {
		if (first == claim) {
			return claim.next;
		}
		Keys before = first;
		while (before.next != claim) {
			before = before.next;
		}
		before.next = claim.next;
		return first;
	}

	/**
	 * A request's slot, how far its enqueue got, the entry it created, and the keys of the
	 * slot. A slot lives as long as its lock is held, so the keys are built when asked for
	 * rather than kept: their bytes (the key prefix, the encoded lock key, the session id and
	 * the slot) would take more heap than everything else the backend keeps per held lock.
	 */
	static final class Keys {

		private final EntrySlots slots;

		private final AcquireRequest request;

		private final int slot;

		// the rest guarded by slots

		private @Nullable Keys next;

		private State state = State.ENQUEUEING;

		private @Nullable EtcdQueueEntry entry;

		private Keys(EntrySlots slots, AcquireRequest request, int slot, @Nullable Keys next) {
			this.slots = slots;
			this.request = request;
			this.slot = slot;
			this.next = next;
		}

		/** The key of the entry. */
		ByteSequence entryKey() {
			String entryName = this.slots.sessionId + (this.request.waitIfBusy() ? WAITS : TRIES) + this.slot;
			return this.slots.layout.entryKey(this.request.key(), entryName);
		}

		/** The key of the mark that withdraws the entry for good. */
		ByteSequence withdrawalMark() {
			return this.slots.layout.withdrawalMarkOf(entryKey());
		}

	}

	private enum State {

		ENQUEUEING, ANSWERED, UNANSWERED,

		/** An unanswered enqueue's slot that its request no longer has: taken for good. */
		RETIRED

	}

}
