package dev.dlock.backend.etcd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.dlock.LockMode;
import dev.dlock.support.QueueRules;
import dev.dlock.spi.Queued;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import org.jspecify.annotations.Nullable;

/**
 * One snapshot of a resource's queue, every entry's state resolved (DESIGN.md §3 and §12):
 * an explicit entry is granted, and perhaps converting, as its value says; a plain entry is
 * granted when {@link QueueRules#blockerOfRequest} finds nothing that blocks it, and waits
 * otherwise.
 * <p>
 * Plain entries are resolved by {@link QueueRules#effective}. A plain entry found granted
 * stays granted until it leaves, because the only writes that could add a blocker, pending
 * conversions, make the granted entries they conflict with explicit in the same
 * transaction. A plain entry found waiting, however, is granted as soon as its last blocker
 * leaves or weakens, with no write to the entry itself: see {@link #blockersToKeep}.
 * <p>
 * A snapshot shows the queue exactly as etcd had it: every client decides on the same
 * queue (see {@link DepartingEntries} for why none may leave an entry out).
 */
final class QueueSnapshot {

	private final long revision;

	private final long sequence;

	/** In ticket order: a member is found by binary search, with no index kept beside it. */
	private final List<Member> members;

	private QueueSnapshot(long revision, long sequence, List<Member> members) {
		this.revision = revision;
		this.sequence = sequence;
		this.members = members;
	}

	/**
	 * Resolves a snapshot.
	 * @param sortedByCreateRevision the resource's entries in ticket order
	 * @param revision the store revision of the snapshot
	 * @param sequence the mod revision of the resource's sequencer in the same snapshot (0
	 * when it does not exist), or -1 when it was not read
	 */
	static QueueSnapshot of(List<KeyValue> sortedByCreateRevision, long revision, long sequence) {
		return resolve(sortedByCreateRevision.stream().map(Stored::of).toList(), revision, sequence);
	}

	/**
	 * Resolves a snapshot of entries as stored.
	 * @param sortedByTicket the resource's entries in ticket order
	 * @param revision the store revision of the snapshot
	 * @param sequence the mod revision of the resource's sequencer in the same snapshot (0
	 * when it does not exist), or -1 when it was not read
	 */
	static QueueSnapshot resolve(List<Stored> sortedByTicket, long revision, long sequence) {
		List<Queued> unresolved = new ArrayList<>(sortedByTicket.size());
		for (Stored stored : sortedByTicket) {
			EntryState state = stored.state();
			unresolved.add(state.explicit() ? asGranted(stored) : Queued.waiting(stored.ticket(), state.mode()));
		}
		List<Queued> resolved = QueueRules.effective(unresolved);
		List<Member> members = new ArrayList<>(sortedByTicket.size());
		for (int i = 0; i < sortedByTicket.size(); i++) {
			members.add(new Member(sortedByTicket.get(i), resolved.get(i)));
		}
		return new QueueSnapshot(revision, sequence, members);
	}

	/**
	 * The queue after a transaction at {@code revision} wrote the given states, and the
	 * sequencer, on this snapshot's entries (by ticket), compared to the mod revisions this
	 * snapshot shows: so the sequencer revision of the result is {@code revision}.
	 * @param written the new state of each entry written, by ticket
	 * @param revision the revision of the transaction
	 * @return the queue as that transaction left it
	 */
	QueueSnapshot afterWrites(Map<Long, EntryState> written, long revision) {
		List<Stored> after = new ArrayList<>(this.members.size());
		for (Member member : this.members) {
			EntryState state = written.get(member.ticket());
			after.add((state != null) ? member.stored().rewritten(state, revision) : member.stored());
		}
		return resolve(after, revision, revision);
	}

	private static Queued asGranted(Stored stored) {
		LockMode target = stored.state().target();
		return (target != null)
				? Queued.converting(stored.ticket(), stored.state().mode(), target, stored.modRevision())
				: Queued.granted(stored.ticket(), stored.state().mode());
	}

	/**
	 * The same snapshot holding the given lock key in place of equal ones read from etcd, so
	 * that a snapshot kept with an entry ({@link EtcdQueueEntry#remember}) holds no second
	 * copy of the lock key.
	 * @param lockKey the lock key of the resource
	 * @return the snapshot
	 */
	QueueSnapshot sharing(String lockKey) {
		List<Member> shared = null;
		for (int i = 0; i < this.members.size(); i++) {
			Member member = this.members.get(i);
			Stored stored = member.stored();
			boolean copiedLockKey = stored.state().lockKey() != lockKey && stored.state().lockKey().equals(lockKey);
			if (shared == null && copiedLockKey) {
				shared = new ArrayList<>(this.members.subList(0, i));
			}
			if (shared != null) {
				shared.add(!copiedLockKey ? member
						: new Member(new Stored(stored.key(), stored.ticket(), stored.modRevision(), stored.lease(),
								stored.state().withLockKey(lockKey)), member.queued()));
			}
		}
		return (shared != null) ? new QueueSnapshot(this.revision, this.sequence, shared) : this;
	}

	long revision() {
		return this.revision;
	}

	/** How many entries the queue has. */
	int size() {
		return this.members.size();
	}

	long sequence() {
		return this.sequence;
	}

	/** The entry with this key and ticket, or {@code null} when it is not there. */
	@Nullable Member find(ByteSequence key, long ticket) {
		Member member = byTicket(ticket);
		return (member != null && member.key().equals(key)) ? member : null;
	}

	/** What keeps a waiting request from being granted, or {@code null} when it is granted. */
	@Nullable Member blockerOfRequest(Member request) {
		if (!request.queued().isWaiting()) {
			return null;
		}
		return memberOf(QueueRules.blockerOfRequest(queue(), request.queued()));
	}

	/**
	 * What keeps a new conversion of a granted entry to {@code target} from being granted,
	 * or {@code null}: the conversion counts as the last of the conversion queue, behind
	 * every pending one (a pending one of the entry is replaced).
	 */
	@Nullable Member blockerOfNewConversion(Member entry, LockMode target) {
		Queued settled = Queued.granted(entry.ticket(), entry.grantedMode());
		return memberOf(QueueRules.blockerOfConversion(queueWith(settled), settled, target));
	}

	/** What keeps the pending conversion of an entry from being granted, or {@code null}. */
	@Nullable Member blockerOfPendingConversion(Member entry) {
		Queued converting = entry.queued();
		return memberOf(QueueRules.blockerOfConversion(queue(), converting,
				Objects.requireNonNull(converting.requested(), "no conversion pending")));
	}

	/** Whether a new conversion of a granted entry to {@code target} closes a cycle. */
	boolean closesCycle(Member entry, LockMode target) {
		Queued settled = Queued.granted(entry.ticket(), entry.grantedMode());
		return QueueRules.closesCycle(queueWith(settled), settled, target);
	}

	/**
	 * What a transaction that converts {@code own} to {@code target} (granted, or recorded
	 * as pending) must compare unchanged, besides the entries it writes, so that no request
	 * this snapshot shows waiting is granted by then in a mode that conflicts with
	 * {@code target}: for every such request that {@code own} itself does not block (its
	 * mod revision is compared anyway), one of its blockers.
	 * <p>
	 * A waiting request is plain: it is granted as soon as nothing blocks it, with no write
	 * of its own, and the writes that end its blockers (a lease that ends, a withdrawn
	 * enqueue, a withdrawn conversion) do not touch the sequencer. A blocker whose mod
	 * revision is unchanged is still there in the same state, and still blocks the request:
	 * an explicit entry blocks as its value says, a plain granted one stays granted, and a
	 * plain earlier one conflicts whether it waits or is granted. A down-conversion needs
	 * none: whatever conflicts with its target conflicts with the mode {@code own} holds.
	 * @param own a granted entry of this snapshot
	 * @param target the mode it converts to
	 * @return the entries to compare, without {@code own}
	 */
	List<Member> blockersToKeep(Member own, LockMode target) {
		List<Member> waiting = waiting();
		if (waiting.isEmpty()) {
			return List.of();
		}
		Map<Long, Member> keep = new LinkedHashMap<>();
		for (Member waiter : waiting) {
			LockMode mode = waiter.state().mode();
			if (mode.isCompatibleWith(target) || blocks(own.queued(), mode)) {
				continue;
			}
			Member blocker = Objects.requireNonNull(blockerOfRequest(waiter), "a waiting request has a blocker");
			keep.putIfAbsent(blocker.ticket(), blocker);
		}
		return List.copyOf(keep.values());
	}

	private static boolean blocks(Queued granted, LockMode request) {
		LockMode requested = granted.requested();
		return !request.isCompatibleWith(Objects.requireNonNull(granted.granted(), "not a granted entry"))
				|| (requested != null && !request.isCompatibleWith(requested));
	}

	/** The entries that wait as new requests. */
	List<Member> waiting() {
		List<Member> waiting = List.of();
		for (Member member : this.members) {
			if (member.queued().isWaiting()) {
				if (waiting.isEmpty()) {
					waiting = new ArrayList<>();
				}
				waiting.add(member);
			}
		}
		return waiting;
	}

	/** The granted entries that no conversion made explicit yet, and whose mode conflicts with {@code mode}. */
	List<Member> plainGrantedConflictingWith(LockMode mode) {
		return this.members.stream()
			.filter((member) -> !member.state().explicit() && !member.queued().isWaiting()
					&& !mode.isCompatibleWith(member.state().mode()))
			.toList();
	}

	/**
	 * Every entry as the grant rules see it, in ticket order, but the entries of tries that
	 * wait here ({@link EntrySlots#isTry}): their sessions delete them again at once, as
	 * tries never wait.
	 */
	List<Queued> lastingQueue() {
		List<Queued> queue = new ArrayList<>(this.members.size());
		for (Member member : this.members) {
			if (member.isGranted() || !EntrySlots.isTry(member.key())) {
				queue.add(member.queued());
			}
		}
		return queue;
	}

	private List<Queued> queue() {
		return queueWith(null);
	}

	/** The queue with the entry of the same ticket replaced, if any. */
	private List<Queued> queueWith(@Nullable Queued replacement) {
		List<Queued> queue = new ArrayList<>(this.members.size());
		for (Member member : this.members) {
			queue.add((replacement != null && member.ticket() == replacement.ticket()) ? replacement : member.queued());
		}
		return queue;
	}

	private @Nullable Member memberOf(@Nullable Queued queued) {
		return (queued != null) ? byTicket(queued.ticket()) : null;
	}

	private @Nullable Member byTicket(long ticket) {
		int low = 0;
		int high = this.members.size() - 1;
		while (low <= high) {
			int middle = (low + high) >>> 1;
			Member member = this.members.get(middle);
			if (member.ticket() < ticket) {
				low = middle + 1;
			}
			else if (member.ticket() > ticket) {
				high = middle - 1;
			}
			else {
				return member;
			}
		}
		return null;
	}

	/**
	 * One entry as etcd stored it.
	 *
	 * @param key the entry's key
	 * @param ticket its create revision
	 * @param modRevision its mod revision
	 * @param lease the lease it lives under
	 * @param state what its value says
	 */
	record Stored(ByteSequence key, long ticket, long modRevision, long lease, EntryState state) {

		static Stored of(KeyValue kv) {
			return new Stored(kv.getKey(), kv.getCreateRevision(), kv.getModRevision(), kv.getLease(),
					EntryState.parse(kv.getValue()));
		}

		/** The entry after a write of {@code newState} at {@code revision}. */
		Stored rewritten(EntryState newState, long revision) {
			return new Stored(this.key, this.ticket, revision, this.lease, newState);
		}

	}

	/**
	 * One entry of the snapshot.
	 *
	 * @param stored the entry as etcd holds it
	 * @param queued its resolved state for the grant rules
	 */
	record Member(Stored stored, Queued queued) {

		ByteSequence key() {
			return this.stored.key();
		}

		long ticket() {
			return this.stored.ticket();
		}

		long modRevision() {
			return this.stored.modRevision();
		}

		long lease() {
			return this.stored.lease();
		}

		/** What its value says. */
		EntryState state() {
			return this.stored.state();
		}

		boolean isGranted() {
			return !this.queued.isWaiting();
		}

		/** The granted mode; only for a granted entry. */
		LockMode grantedMode() {
			return Objects.requireNonNull(this.queued.granted(), "not a granted entry");
		}

		Slot slot() {
			return new Slot(key(), ticket(), modRevision(), state());
		}

	}

	/**
	 * An entry as one snapshot showed it, kept for watching. A session reuses its entry
	 * keys, so only the key together with the create revision names one entry.
	 *
	 * @param key the entry's key
	 * @param ticket its create revision
	 * @param modRevision its mod revision in the snapshot
	 * @param state what its value said
	 */
	record Slot(ByteSequence key, long ticket, long modRevision, EntryState state) {

	}

}
