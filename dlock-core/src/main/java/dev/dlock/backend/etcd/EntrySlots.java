package dev.dlock.backend.etcd;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import dev.dlock.spi.AcquireRequest;
import io.etcd.jetcd.ByteSequence;
import org.jspecify.annotations.Nullable;

/**
 * The entry keys of one session: {@code <resource prefix><session id>-<slot>}, where a
 * request takes the lowest slot of its lock key that the session does not use now; and
 * the key of each entry's withdrawal mark.
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

	private final EtcdLayout layout;

	private final String sessionId = UUID.randomUUID().toString();

	// guarded by this; by request rather than by owner id, since the engine's owner ids are
	// strings built anew on each call, and it always names an entry by the request it enqueued
	private final Map<AcquireRequest, Claim> byRequest = new HashMap<>();

	private final Map<String, BitSet> usedByKey = new HashMap<>();

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
			BitSet used = this.usedByKey.computeIfAbsent(request.key(), (key) -> new BitSet());
			int slot = used.nextClearBit(0);
			used.set(slot);
			String entryName = this.sessionId + "-" + slot;
			claim = new Claim(request.key(), slot, this.layout.entryKey(request.key(), entryName), this.layout);
			this.byRequest.put(request, claim);
		}
		claim.state = State.ENQUEUEING;
		return claim;
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
		BitSet used = this.usedByKey.get(claim.lockKey);
		used.clear(claim.slot);
		if (used.isEmpty()) {
			this.usedByKey.remove(claim.lockKey);
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
