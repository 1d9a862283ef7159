package dev.dlock.backend.etcd;

import java.util.Arrays;
import java.util.HashMap;
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
 * exists on the server when a new request takes it, and neither does its mark. Thread-safe.
 */
final class EntrySlots {

	/** What separates the session id from the slot of a request that may wait. */
	private static final String WAITS = "-";

	/** What separates the session id from the slot of a try. */
	private static final String TRIES = "-t";

	private final EtcdLayout layout;

	private final String sessionId = UUID.randomUUID().toString();

	// guarded by this; by request rather than by owner id, since the engine's owner ids are
	// strings built anew on each call, and it always names an entry by the request it enqueued
	private final Map<AcquireRequest, Claim> byRequest = new HashMap<>();

	/** The slots in use by lock key (see {@link SlotSet}). */
	private final Map<String, long[]> usedByKey = new HashMap<>();

	EntrySlots(EtcdLayout layout) {
		this.layout = layout;
	}

	/**
	 * The entry key of a request about to be enqueued: its slot, taken now unless it has one
	 * already.
	 */
	synchronized Keys claim(AcquireRequest request) {
		Claim claim = this.byRequest.get(request);
		if (claim == null) {
			long[] used = this.usedByKey.getOrDefault(request.key(), SlotSet.NONE);
			int slot = SlotSet.lowestFree(used);
			this.usedByKey.put(request.key(), SlotSet.with(used, slot, true));
			String entryName = this.sessionId + (request.waitIfBusy() ? WAITS : TRIES) + slot;
			claim = new Claim(request.key(), slot, this.layout.entryKey(request.key(), entryName), this.layout);
			this.byRequest.put(request, claim);
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

	/** The keys a request claimed and has not freed, or {@code null}. */
	synchronized @Nullable Keys keysOf(AcquireRequest request) {
		Claim claim = this.byRequest.get(request);
		return claim;
	}

	/** Whether the request's enqueue got no answer (and may still be applied). */
	synchronized boolean isUnanswered(AcquireRequest request) {
		Claim claim = this.byRequest.get(request);
		return claim != null && claim.state == State.UNANSWERED;
	}

	/**
	 * Frees a request's slot, now that its entry is known to be gone; unless its enqueue is
	 * still under way (it may create the entry after all, and the engine removes it again once
	 * answered).
	 */
	synchronized void free(AcquireRequest request) {
		Claim claim = this.byRequest.get(request);
		if (claim == null || claim.state == State.ENQUEUEING) {
			return;
		}
		this.byRequest.remove(request);
		if (claim.state == State.UNANSWERED) {
			return;
		}
		long[] used = SlotSet.with(this.usedByKey.get(claim.lockKey), claim.slot, false);
		if (used == SlotSet.NONE) {
			this.usedByKey.remove(claim.lockKey);
		}
		else {
			this.usedByKey.put(claim.lockKey, used);
		}
	}

	private void setState(AcquireRequest request, State state) {
		Claim claim = this.byRequest.get(request);
		if (claim != null && claim.state != State.UNANSWERED) {
			claim.state = state;
		}
	}

	/**
	 * The keys of one slot. A slot lives as long as its lock is held, so it keeps only the
	 * entry's key; the mark's key, needed by an enqueue and by a withdrawal, is derived.
	 */
	static class Keys {

		private final ByteSequence entry;

		private final EtcdLayout layout;

		Keys(ByteSequence entry, EtcdLayout layout) {
			this.entry = entry;
			this.layout = layout;
		}

		/** The key of the entry. */
		ByteSequence entry() {
			return this.entry;
		}

		/** The key of the mark that withdraws the entry for good. */
		ByteSequence withdrawalMark() {
			return this.layout.withdrawalMarkOf(this.entry);
		}

	}

	/**
	 * A set of slots as bit words, never changed in place: each change returns a new one,
	 * trimmed of empty words, so that the set most lock keys have (slot 0 alone, one lock
	 * held once) is one shared array instead of an object per held lock.
	 */
	static final class SlotSet {

		static final long[] NONE = {};

		static final long[] FIRST_ONLY = { 1L };

		private SlotSet() {
		}

		static int lowestFree(long[] used) {
			for (int word = 0; word < used.length; word++) {
				if (used[word] != -1L) {
					return word * Long.SIZE + Long.numberOfTrailingZeros(~used[word]);
				}
			}
			return used.length * Long.SIZE;
		}

		/** The set with {@code slot} taken ({@code inUse}) or freed. */
		static long[] with(long[] used, int slot, boolean inUse) {
			int word = slot / Long.SIZE;
			long[] changed = Arrays.copyOf(used, Math.max(used.length, word + 1));
			long bit = 1L << (slot % Long.SIZE);
			changed[word] = inUse ? (changed[word] | bit) : (changed[word] & ~bit);
			int length = changed.length;
			while (length > 0 && changed[length - 1] == 0) {
				length--;
			}
			if (length == 0) {
				return NONE;
			}
			if (length == 1 && changed[0] == 1L) {
				return FIRST_ONLY;
			}
			return (length == changed.length) ? changed : Arrays.copyOf(changed, length);
		}

	}

	private enum State {

		ENQUEUEING, ANSWERED, UNANSWERED

	}

	/**
	 * A request's slot and how far its enqueue got; it is also the slot's {@link Keys}, so
	 * that a held lock costs one object here, not two.
	 */
	private static final class Claim extends Keys {

		final String lockKey;

		final int slot;

		State state = State.ENQUEUEING;

		Claim(String lockKey, int slot, ByteSequence entry, EtcdLayout layout) {
			super(entry, layout);
			this.lockKey = lockKey;
			this.slot = slot;
		}

	}

}
