package dev.dlock.backend.etcd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;
import dev.dlock.support.BackendQueueEntry;
import dev.dlock.support.CompactDeadline;
import dev.dlock.support.LockKeyTable;
import io.etcd.jetcd.ByteSequence;
import org.jspecify.annotations.Nullable;

/**
 * A request's slot in its session ({@link EntrySlots}) and, once its enqueue created it,
 * the entry in etcd: the slot (whose keys are built when asked for) and how far its enqueue
 * got, then the create revision (ticket and fencing token), the lease it lives under, what
 * the last enqueue, poll or conversion saw, so that a watch can start exactly where that
 * snapshot ended, the last queue the session knows with a sequencer revision, which a
 * conversion may decide on without reading, and the conversion the engine waits for.
 * <p>
 * One lives per held lock, so the slot and its entry are one object (the session's table
 * of slots is chained through it), what changes concurrently is kept in fields changed
 * through VarHandles, not in atomic objects of its own, and what only conversions need is
 * kept in an object the first conversion creates. It names itself as a
 * {@link BackendQueueEntry} does, never by its owner id, but cannot extend that class: its
 * ticket is known only once the enqueue is answered.
 */
final class EtcdQueueEntry implements QueueEntry, LockKeyTable.Member<EtcdQueueEntry> {

	private static final EntrySlots.State[] STATES = EntrySlots.State.values();

	/** The low bits of {@link #claim}: the state's ordinal. */
	private static final int STATE_BITS = 2;

	/** The bit of {@link #claim} above the state: whether the enqueue created the entry. */
	private static final int CREATED = 1 << STATE_BITS;

	/** How far {@link #claim} is shifted to hold the slot. */
	private static final int SLOT_SHIFT = STATE_BITS + 1;

	private static final VarHandle KNOWN;

	private static final VarHandle CONVERSIONS;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			KNOWN = lookup.findVarHandle(EtcdQueueEntry.class, "known", Known.class);
			CONVERSIONS = lookup.findVarHandle(EtcdQueueEntry.class, "conversions", Conversions.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final EntrySlots slots;

	private final AcquireRequest request;

	/** The next claim in its chain of the session's table; guarded by the slots. */
	private @Nullable EtcdQueueEntry next;

	/**
	 * The slot (shifted left by {@link #SLOT_SHIFT}, written once, before the slot is
	 * shared), whether the entry was created, and the state; the last two changed under the
	 * slots' monitor. One field for the three, since one slot lives per held lock.
	 */
	private int claim;

	// set once by created(...), before the entry is handed to anyone

	private long ticket;

	private @Nullable SessionLease lease;

	private volatile @Nullable Observation observed;

	/** Replaced by compare-and-set. */
	private volatile Known known = Kept.NOTHING;

	/** The valid bound, as a {@link CompactDeadline}. */
	private volatile int validBoundMillis;

	/** Created by the first conversion, which most entries never ask for. */
	private volatile @Nullable Conversions conversions;

	/** A slot claimed for a request, whose enqueue is about to be sent. */
	EtcdQueueEntry(EntrySlots slots, AcquireRequest request, int slot) {
		if (slot >= (1 << (Integer.SIZE - 1 - SLOT_SHIFT))) {
			throw new IllegalStateException("Too many requests of one session on lock '" + request.key() + "'");
		}
		this.slots = slots;
		this.request = request;
		this.claim = (slot << SLOT_SHIFT) | EntrySlots.State.ENQUEUEING.ordinal();
	}

	/**
	 * Records what the enqueue that created the entry answered; called once, before the entry
	 * is handed to the engine or recorded as created in the slots.
	 * @return this entry
	 */
	EtcdQueueEntry created(long ticket, SessionLease lease, Observation observed, long validBound) {
		this.ticket = ticket;
		this.lease = lease;
		this.observed = observed;
		validBound(validBound);
		return this;
	}

	@Override
	public String lockKey() {
		return this.request.key();
	}

	@Override
	public @Nullable EtcdQueueEntry nextInTable() {
		return this.next;
	}

	@Override
	public void nextInTable(@Nullable EtcdQueueEntry next) {
		this.next = next;
	}

	@Override
	public AcquireRequest request() {
		return this.request;
	}

	@Override
	public long ticket() {
		return this.ticket;
	}

	int slot() {
		return this.claim >>> SLOT_SHIFT;
	}

	EntrySlots.State state() {
		return STATES[this.claim & ((1 << STATE_BITS) - 1)];
	}

	void state(EntrySlots.State state) {
		this.claim = (this.claim & -(1 << STATE_BITS)) | state.ordinal();
	}

	/** Whether the slot holds the entry its enqueue created (and that is not known to be gone). */
	boolean isCreated() {
		return (this.claim & CREATED) != 0;
	}

	void markCreated(boolean created) {
		this.claim = created ? (this.claim | CREATED) : (this.claim & ~CREATED);
	}

	/** The key of the mark that withdraws the entry for good. */
	ByteSequence withdrawalMark() {
		return this.slots.withdrawalMarkOf(key());
	}

	/**
	 * The entry's etcd key, built anew on each call: its bytes (the key prefix, the encoded
	 * lock key, the session id and the slot) would take more heap than everything else the
	 * backend keeps per held lock.
	 */
	ByteSequence key() {
		return this.slots.entryKey(this.request, slot());
	}

	SessionLease lease() {
		return Objects.requireNonNull(this.lease, "the entry was created");
	}

	Observation observed() {
		return Objects.requireNonNull(this.observed, "the entry was created");
	}

	void observed(Observation observation) {
		this.observed = observation;
	}

	/**
	 * The last snapshot of the resource's queue with a sequencer revision in which this
	 * entry is granted, or {@code null}: as of that revision, up to writes that only
	 * weaken, for as long as the sequencer keeps it (see {@code EtcdLockSession#convert}).
	 */
	@Nullable QueueSnapshot known() {
		return this.known.snapshotOf(this);
	}

	/**
	 * Learns what a snapshot of the queue shows, unless one as new was learnt already
	 * (replies to requests sent at once may arrive in any order, on any thread): it is kept
	 * when it has a sequencer revision and grants this entry, and otherwise replaces what
	 * was kept with nothing. A queue of this entry alone, what most held locks have, is kept
	 * as the entry's mod revision and state, and built again when asked for; as nothing at all
	 * when it is the queue the entry's enqueue showed.
	 */
	void remember(QueueSnapshot snapshot) {
		ByteSequence key = key();
		QueueSnapshot.Member own = snapshot.find(key, ticket());
		Known learnt;
		if (snapshot.sequence() <= 0 || own == null || !own.isGranted()) {
			learnt = new Kept(snapshot.revision(), null);
		}
		else if (snapshot.size() == 1) {
			EntryState state = own.state();
			String lockKey = request().key();
			boolean enqueued = state.equals(enqueuedState());
			learnt = (enqueued && snapshot.revision() == ticket() && snapshot.sequence() == ticket()
					&& own.modRevision() == ticket()) ? AloneAsEnqueued.INSTANCE
							: new Alone(snapshot.revision(), snapshot.sequence(), own.modRevision(), enqueued ? null
									: state.lockKey().equals(lockKey) ? state.withLockKey(lockKey) : state);
		}
		else {
			learnt = new Kept(snapshot.revision(), snapshot.sharing(request().key()));
		}
		Known current = this.known;
		while (current.revisionFor(this) < learnt.revisionFor(this) && !KNOWN.compareAndSet(this, current, learnt)) {
			current = this.known;
		}
	}

	/** The state this entry's enqueue wrote. */
	private EntryState enqueuedState() {
		return EntryState.plain(request().mode(), request().key());
	}

	/**
	 * Forgets the snapshot kept, because this entry is about to be written outside a
	 * conversion: no snapshot as old as the one kept is learnt again.
	 */
	void forgetKnown() {
		Known current = this.known;
		while (!KNOWN.compareAndSet(this, current, new Kept(current.revisionFor(this), null))) {
			current = this.known;
		}
	}

	/**
	 * Whether a time (on this JVM's monotonic clock) is past the entry's valid bound, after
	 * which the engine surely no longer counts the entry valid unless it renewed it again: a
	 * lease time after the last enqueue or renew call that covered it. The bound is kept to
	 * the millisecond, rounded up, so it is never earlier than the real one.
	 */
	boolean isPastValidBound(long nanos) {
		return CompactDeadline.isReached(this.validBoundMillis, nanos);
	}

	/** Sets the valid bound (see {@link #isPastValidBound}). */
	void validBound(long nanos) {
		this.validBoundMillis = CompactDeadline.roundedUp(nanos);
	}

	/**
	 * The operations that read the queue in the other branch of a guarded transaction on
	 * this entry, or {@code null} before the first one: they depend only on the entry.
	 */
	EtcdLockSession.@Nullable ReadBranch readBranch() {
		Conversions current = this.conversions;
		return (current != null) ? current.readBranch : null;
	}

	void readBranch(EtcdLockSession.ReadBranch branch) {
		conversions().readBranch = branch;
	}

	/** The target of the conversion the engine waits for, or {@code null}. */
	@Nullable LockMode converting() {
		Conversions current = this.conversions;
		return (current != null) ? current.target : null;
	}

	/** Starts a conversion to {@code target}; returns its round. */
	long startConversion(LockMode target) {
		Conversions current = conversions();
		current.target = target;
		return current.round.incrementAndGet();
	}

	/** Ends the conversion of this round, if it is still the current one. */
	void endConversion(long round) {
		Conversions current = this.conversions;
		if (current != null && current.round.get() == round) {
			current.target = null;
		}
	}

	/** Withdraws whatever conversion is under way: none of its writes is sent any more. */
	void withdrawConversion() {
		Conversions current = conversions();
		current.round.incrementAndGet();
		current.target = null;
	}

	/** The current conversion round: 0 before the first conversion. */
	long conversionRound() {
		Conversions current = this.conversions;
		return (current != null) ? current.round.get() : 0;
	}

	/** Whether the conversion of this round is still the current one. */
	boolean isCurrentConversion(long round) {
		return conversionRound() == round;
	}

	private Conversions conversions() {
		Conversions current = this.conversions;
		if (current == null) {
			Conversions created = new Conversions();
			Conversions witness = (Conversions) CONVERSIONS.compareAndExchange(this, (Conversions) null, created);
			current = (witness != null) ? witness : created;
		}
		return current;
	}

	/** Names the entry by its key, mode and ticket, never by its owner id. */
	@Override
	public String toString() {
		return BackendQueueEntry.describe(this);
	}

	/**
	 * What one snapshot of the queue showed.
	 *
	 * @param revision the store revision of the snapshot
	 * @param blocker what the entry waits for, or {@code null} when granted
	 */
	record Observation(long revision, QueueSnapshot.@Nullable Slot blocker) {

		/**
		 * What every snapshot that grants the entry shows: nothing to watch, so no revision
		 * to start a watch from, and one object serves every held lock.
		 */
		static final Observation GRANTED = new Observation(0, null);

		static Observation of(long revision, QueueSnapshot.@Nullable Slot blocker) {
			return (blocker != null) ? new Observation(revision, blocker) : GRANTED;
		}

	}

	/** The newest snapshot revision learnt, and what was kept of it. */
	private sealed interface Known permits Kept, Alone, AloneAsEnqueued {

		/** The store revision of the newest snapshot learnt by {@code entry}. */
		long revisionFor(EtcdQueueEntry entry);

		/** The snapshot kept, when it may decide a conversion of {@code entry}, or {@code null}. */
		@Nullable QueueSnapshot snapshotOf(EtcdQueueEntry entry);

	}

	/**
	 * A snapshot kept whole, or nothing.
	 *
	 * @param revision the store revision of the newest snapshot learnt
	 * @param snapshot that snapshot, when it may decide a conversion, or {@code null}
	 */
	private record Kept(long revision, @Nullable QueueSnapshot snapshot) implements Known {

		static final Kept NOTHING = new Kept(0, null);

		@Override
		public long revisionFor(EtcdQueueEntry entry) {
			return this.revision;
		}

		@Override
		public @Nullable QueueSnapshot snapshotOf(EtcdQueueEntry entry) {
			return this.snapshot;
		}

	}

	/**
	 * A snapshot in which the entry was alone, granted, kept as what it showed of the entry.
	 *
	 * @param revision the store revision of the snapshot
	 * @param sequence the sequencer's mod revision in it
	 * @param modRevision the entry's mod revision in it
	 * @param state the entry's state in it, or {@code null} for the state its enqueue wrote
	 */
	private record Alone(long revision, long sequence, long modRevision, @Nullable EntryState state) implements Known {

		@Override
		public long revisionFor(EtcdQueueEntry entry) {
			return this.revision;
		}

		@Override
		public QueueSnapshot snapshotOf(EtcdQueueEntry entry) {
			EntryState stored = (this.state != null) ? this.state : entry.enqueuedState();
			return QueueSnapshot.resolve(List.of(new QueueSnapshot.Stored(entry.key(), entry.ticket(), this.modRevision,
					entry.lease().id(), stored)), this.revision, this.sequence);
		}

	}

	/**
	 * The queue the entry's enqueue showed, the entry alone in it and granted: the snapshot,
	 * the sequencer and the entry all have the enqueue's revision, which is the entry's ticket,
	 * and the entry has the state its enqueue wrote. Most held locks keep this, so one object
	 * serves them all.
	 */
	private enum AloneAsEnqueued implements Known {

		INSTANCE;

		@Override
		public long revisionFor(EtcdQueueEntry entry) {
			return entry.ticket();
		}

		@Override
		public QueueSnapshot snapshotOf(EtcdQueueEntry entry) {
			long ticket = entry.ticket();
			return new Alone(ticket, ticket, ticket, null).snapshotOf(entry);
		}

	}

	/**
	 * The conversions of an entry: the target of the one the engine waits for, the round
	 * that counts conversions asked and withdrawn (so that a withdrawn one stops writing),
	 * and the read branch of the guarded transactions they send.
	 */
	private static final class Conversions {

		final AtomicLong round = new AtomicLong();

		volatile @Nullable LockMode target;

		volatile EtcdLockSession.@Nullable ReadBranch readBranch;

	}

}
