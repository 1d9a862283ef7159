package dev.dlock.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import dev.dlock.support.QueueRules;
import org.jspecify.annotations.Nullable;

/**
 * The simulated lock server: one fair queue per key on simulated time, with server-side
 * leases, a ticket counter that survives restarts, and change signals that travel as
 * droppable messages. It records grants when it reports them and converts granted entries
 * with the rules of DESIGN.md §12 ({@link QueueRules}, as the memory backend does): a
 * granted conversion draws a new token from the ticket counter, and every grant that draws
 * one marks every waiting entry of the key to draw a new token too when it is granted. It
 * reads a key's queue for blocking notifications and signals their watchers when a request
 * or conversion starts to wait. It also answers the checks' questions about what is live,
 * granted and waiting, and what waited when.
 */
final class SimulatedServer {

	private final EventLoop loop;

	private final Faults faults;

	private final boolean signalEnqueues;

	private final Map<String, TreeMap<Long, Entry>> queues = new TreeMap<>();

	private final Map<Long, Entry> byToken = new HashMap<>();

	private final Map<String, Entry> byOwner = new HashMap<>();

	private final Set<String> withdrawn = new HashSet<>();

	private final Map<String, Set<Watch>> watches = new TreeMap<>();

	private final Map<String, Set<Watch>> queueWatches = new TreeMap<>();

	/** Every time an entry waited as a request or a conversion, by key: for the blocking checks. */
	private final Map<String, List<Waiting>> waited = new HashMap<>();

	private final Map<String, Long> lastChange = new HashMap<>();

	private final Breakage breakage;

	private final Consumer<Simulation.Violation> violations;

	private long tickets;

	private long changes;

	private long conversionOrders;

	/**
	 * @param signalEnqueues whether an enqueue signals the key's watchers (etcd, memory)
	 * or only leaving entries do (Redis)
	 * @param breakage a rule the server breaks on purpose, to show that the checks catch it
	 * @param violations told of a call that breaks the SPI's preconditions
	 */
	/** Per key: its value block (DESIGN.md §12); runs are too short for a retention time. */
	private final Map<String, LockValue> values = new HashMap<>();

	/** By token: the value the grant's holder set last, which it must write before it leaves PW/EX. */
	private final Map<Long, byte[]> valuesSet = new HashMap<>();

	SimulatedServer(EventLoop loop, Faults faults, boolean signalEnqueues, Breakage breakage,
			Consumer<Simulation.Violation> violations) {
		this.loop = loop;
		this.violations = violations;
		this.faults = faults;
		this.signalEnqueues = signalEnqueues;
		this.breakage = breakage;
	}

	EnqueueResult enqueue(AcquireRequest request, int requestNo, int client, long leaseNanos) {
		String key = request.key();
		sweep(key);
		if (this.withdrawn.contains(request.ownerId())) {
			// removed before this enqueue arrived (it overtook it): a removal works also when
			// the enqueue's reply never came, so the late enqueue must not leave an entry, as
			// etcd's withdrawal mark ensures; the engine has given the request up already
			this.faults.reached("enqueue arrived after its removal");
			return EnqueueResult.rejected();
		}
		long now = this.loop.now();
		Entry entry = new Entry(request, ++this.tickets, requestNo, client, leaseNanos, now + leaseNanos);
		TreeMap<Long, Entry> queue = this.queues.computeIfAbsent(key, (k) -> new TreeMap<>());
		queue.put(entry.ticket, entry);
		QueueState state = requestState(entry);
		if (state.status() == QueueState.Status.WAITING && !request.waitIfBusy()) {
			queue.remove(entry.ticket);
			if (queue.isEmpty()) {
				this.queues.remove(key);
			}
			return EnqueueResult.rejected();
		}
		this.byOwner.put(request.ownerId(), entry);
		if (state.status() == QueueState.Status.WAITING) {
			startWaiting(entry, request.mode());
		}
		// a later entry never changes an earlier one's state, but etcd's watch and the
		// memory backend signal every change; Redis signals only when entries leave
		entry.observed = this.signalEnqueues ? touch(key, true) : this.lastChange.getOrDefault(key, 0L);
		return new EnqueueResult(entry, state);
	}

	QueueState poll(QueueEntry queueEntry) {
		Entry entry = (Entry) queueEntry;
		sweep(entry.key());
		if (!isCurrent(entry)) {
			return QueueState.GONE;
		}
		entry.observed = this.lastChange.getOrDefault(entry.key(), 0L);
		LockMode target = entry.converting;
		return (target != null) ? conversionState(entry, target) : requestState(entry);
	}

	/**
	 * Converts a granted entry or records its conversion; see
	 * {@link dev.dlock.spi.LockSession#convert}. A convert for an entry that is not granted
	 * or has a conversion pending breaks the SPI's precondition: the engine sent it before
	 * the withdrawal of its previous conversion.
	 */
	QueueState convert(QueueEntry queueEntry, LockMode mode, boolean waitIfBusy) {
		Entry entry = (Entry) queueEntry;
		sweep(entry.key());
		if (!isCurrent(entry)) {
			return QueueState.GONE;
		}
		if (entry.granted == null || entry.converting != null) {
			// the memory backend refuses it; the run fails at the end of this step
			this.violations.accept(new Simulation.Violation("SPI", "convert of " + entry + " to " + mode
					+ " while it is " + ((entry.granted == null) ? "not granted" : "converting to " + entry.converting)));
			return QueueState.REJECTED;
		}
		if (!isWriting(mode)) {
			checkValueWritten(entry, "converted to " + mode);
		}
		entry.observed = this.lastChange.getOrDefault(entry.key(), 0L);
		QueueState state = conversionState(entry, mode);
		if (state.status() != QueueState.Status.WAITING) {
			return state;
		}
		List<Queued> queue = queued(entry.key());
		if (QueueRules.closesCycle(queue, entry.queued(), mode)) {
			this.faults.reached("conversion deadlock refused");
			return QueueState.DEADLOCK;
		}
		if (!waitIfBusy) {
			return QueueState.REJECTED;
		}
		entry.converting = mode;
		entry.conversionOrder = ++this.conversionOrders;
		startWaiting(entry, mode);
		return state;
	}

	/**
	 * Withdraws a pending conversion, or undoes one granted meanwhile: the entry ends
	 * granted in {@code heldMode} unless it holds a mode that does not cover it; see
	 * {@link dev.dlock.spi.LockSession#cancelConversion}.
	 * @return the mode the entry ends in, or {@code null} if it is gone
	 */
	@Nullable LockMode cancelConversion(QueueEntry queueEntry, LockMode heldMode) {
		Entry entry = (Entry) queueEntry;
		sweep(entry.key());
		if (!isCurrent(entry)) {
			return null;
		}
		if (entry.converting == null && entry.granted == heldMode) {
			return heldMode;
		}
		if (entry.converting == null) {
			this.faults.reached("withdrawal undoes a conversion granted on the server");
		}
		entry.converting = null;
		stopWaiting(entry, this.loop.now());
		LockMode granted = entry.granted;
		if (granted != null && granted.covers(heldMode)) {
			entry.granted = heldMode;
		}
		touch(entry.key(), true);
		return entry.granted;
	}

	Set<QueueEntry> renew(Collection<QueueEntry> entries) {
		Set<QueueEntry> lost = new HashSet<>();
		for (QueueEntry queueEntry : entries) {
			Entry entry = (Entry) queueEntry;
			sweep(entry.key());
			if (isCurrent(entry)) {
				entry.expiresAt = this.loop.now() + entry.leaseNanos;
			}
			else {
				lost.add(entry);
			}
		}
		return lost;
	}

	void remove(AcquireRequest request) {
		sweep(request.key());
		this.withdrawn.add(request.ownerId());
		Entry entry = this.byOwner.get(request.ownerId());
		if (entry != null && isCurrent(entry)) {
			checkValueWritten(entry, "removed");
			end(entry, End.REMOVED);
			touch(entry.key(), true);
		}
	}

	Subscription watch(QueueEntry queueEntry, int client, Runnable onChange) {
		Entry entry = (Entry) queueEntry;
		Watch watch = new Watch(entry, client, onChange);
		this.watches.computeIfAbsent(entry.key(), (k) -> new LinkedHashSet<>()).add(watch);
		if (this.lastChange.getOrDefault(entry.key(), 0L) != entry.observed) {
			// changed since the entry's last enqueue or poll: tell at once
			signal(watch, true);
		}
		return () -> {
			watch.open = false;
			Set<Watch> set = this.watches.get(entry.key());
			if (set != null) {
				set.remove(watch);
			}
		};
	}

	/**
	 * The live entries of a granted entry's key as the grant rules see them; empty when the
	 * entry is gone. See {@link dev.dlock.spi.LockSession#queue}.
	 */
	List<Queued> queue(QueueEntry queueEntry) {
		Entry entry = (Entry) queueEntry;
		sweep(entry.key());
		if (!isCurrent(entry)) {
			return List.of();
		}
		List<Queued> queue = queued(entry.key());
		return switch (this.breakage) {
			case QUEUE_HIDES_WAITERS -> queue.stream()
				.filter((queued) -> !queued.isWaiting())
				.map((queued) -> Queued.granted(queued.ticket(), Objects.requireNonNull(queued.granted())))
				.toList();
			case QUEUE_SHOWS_WAITERS_AS_EX -> queue.stream()
				.map((queued) -> (queued.requested() != null)
						? new Queued(queued.ticket(), queued.granted(), LockMode.EX, queued.conversionOrder())
						: queued)
				.toList();
			default -> queue;
		};
	}

	/**
	 * Watches a key's queue for requests and conversions that start to wait; see
	 * {@link dev.dlock.spi.LockSession#watchQueue}. Its signals travel as droppable messages.
	 */
	Subscription watchQueue(QueueEntry queueEntry, int client, Runnable onChange) {
		Entry entry = (Entry) queueEntry;
		Watch watch = new Watch(entry, client, onChange);
		this.queueWatches.computeIfAbsent(entry.key(), (k) -> new LinkedHashSet<>()).add(watch);
		return () -> {
			watch.open = false;
			Set<Watch> set = this.queueWatches.get(entry.key());
			if (set != null) {
				set.remove(watch);
			}
		};
	}

	/** Loses one live entry, as a server that drops data would (a fault). */
	@Nullable Entry loseOne(Random random) {
		List<Entry> live = liveEntries();
		if (live.isEmpty()) {
			return null;
		}
		Entry entry = live.get(random.nextInt(live.size()));
		end(entry, End.LOST);
		touch(entry.key(), random.nextBoolean());
		return entry;
	}

	/** Forgets every entry; tickets stay monotonic. */
	int restart(Random random) {
		List<Entry> live = liveEntries();
		for (Entry entry : live) {
			end(entry, End.LOST);
		}
		for (String key : List.copyOf(this.queues.keySet())) {
			touch(key, random.nextBoolean());
		}
		this.queues.clear();
		return live.size();
	}

	/**
	 * The value block of a granted entry's key, or {@code null} when the entry is gone; see
	 * {@link dev.dlock.spi.LockSession#readValue}.
	 */
	@Nullable LockValue readValue(QueueEntry queueEntry) {
		Entry entry = (Entry) queueEntry;
		sweep(entry.key());
		return isCurrent(entry) ? this.values.getOrDefault(entry.key(), LockValue.NONE) : null;
	}

	/**
	 * Writes the value block if the entry is still granted in PW or EX; see
	 * {@link dev.dlock.spi.LockSession#writeValue}.
	 */
	boolean writeValue(QueueEntry queueEntry, LockValue value) {
		Entry entry = (Entry) queueEntry;
		sweep(entry.key());
		if (!isCurrent(entry) || !isWriting(entry.granted)) {
			this.faults.reached("value write refused: the writer is gone or no longer writes");
			return false;
		}
		if (this.breakage != Breakage.VALUES_DROPPED) {
			this.values.put(entry.key(), value);
		}
		return true;
	}

	/** The holder of the grant with this token set a value, which it must write before it leaves. */
	void valueSet(long token, byte[] bytes) {
		this.valuesSet.put(token, bytes);
	}

	/**
	 * VALUE-LOST: a PW or EX entry whose holder set a value leaves PW/EX by its own request
	 * (a removal, a down-conversion) only after the value was written, with its token.
	 */
	private void checkValueWritten(Entry entry, String how) {
		byte[] set = isWriting(entry.granted) ? this.valuesSet.remove(entry.token) : null;
		if (set == null) {
			return;
		}
		LockValue value = this.values.getOrDefault(entry.key(), LockValue.NONE);
		if (!value.equals(new LockValue(set, entry.token, true))) {
			this.violations.accept(new Simulation.Violation("VALUE-LOST", entry + " was " + how
					+ " before the value its holder set was written; the value is " + value));
		}
		else {
			this.faults.reached("value written before the writer left");
		}
	}

	private static boolean isWriting(@Nullable LockMode mode) {
		return mode == LockMode.PW || mode == LockMode.EX;
	}

	/** Expires entries whose lease ran out, as an active expiry would. */
	void sweepAll() {
		for (String key : List.copyOf(this.queues.keySet())) {
			sweep(key);
		}
	}

	private void sweep(String key) {
		TreeMap<Long, Entry> queue = this.queues.get(key);
		if (queue == null) {
			return;
		}
		boolean swept = false;
		for (Entry entry : List.copyOf(queue.values())) {
			if (entry.expiresAt - this.loop.now() <= 0) {
				end(entry, End.EXPIRED);
				swept = true;
			}
		}
		if (swept) {
			touch(key, true);
		}
	}

	private void end(Entry entry, End how) {
		if (how != End.REMOVED && isWriting(entry.granted)) {
			// a writer that did not leave by itself may have changed the data without a write
			LockValue value = this.values.getOrDefault(entry.key(), LockValue.NONE);
			this.values.put(entry.key(), new LockValue(value.bytes(), value.version(), false));
		}
		entry.end = how;
		entry.endedAt = (how == End.EXPIRED) ? entry.expiresAt : this.loop.now();
		stopWaiting(entry, entry.endedAt);
		TreeMap<Long, Entry> queue = this.queues.get(entry.key());
		if (queue != null) {
			queue.remove(entry.ticket);
			if (queue.isEmpty()) {
				this.queues.remove(entry.key());
			}
		}
		this.byOwner.remove(entry.request.ownerId(), entry);
	}

	private long touch(String key, boolean signal) {
		this.lastChange.put(key, ++this.changes);
		if (signal) {
			Set<Watch> set = this.watches.get(key);
			if (set != null) {
				for (Watch watch : set) {
					signal(watch, false);
				}
			}
		}
		return this.changes;
	}

	private void signal(Watch watch, boolean gap) {
		String label = "signal c" + watch.client + " r" + watch.entry.requestNo + " " + watch.entry.key()
				+ (gap ? " (changed before watch)" : "");
		this.loop.toClient(watch.client, label, () -> {
			if (watch.open) {
				this.faults.signalled(watch.entry, watch.client, isLive(watch.entry));
				watch.onChange.run();
			}
		}, () -> this.faults.dropped());
	}

	/** A request or conversion starts to wait: the key's queue watchers hear of it. */
	private void startWaiting(Entry entry, LockMode mode) {
		Waiting waiting = new Waiting(entry, mode, this.loop.now());
		entry.waiting = waiting;
		this.waited.computeIfAbsent(entry.key(), (k) -> new ArrayList<>()).add(waiting);
		Set<Watch> set = this.queueWatches.get(entry.key());
		if (set != null) {
			for (Watch watch : set) {
				signalQueue(watch, entry);
			}
		}
	}

	private void stopWaiting(Entry entry, long at) {
		Waiting waiting = entry.waiting;
		if (waiting != null) {
			waiting.until = at;
			entry.waiting = null;
		}
	}

	private void signalQueue(Watch watch, Entry waiting) {
		String label = "queue signal c" + watch.client + " r" + watch.entry.requestNo + " " + watch.entry.key() + ": "
				+ waiting + " waits";
		this.loop.toClient(watch.client, label, () -> {
			if (watch.open) {
				watch.onChange.run();
			}
		}, () -> {
			this.faults.dropped();
			this.faults.reached("queue signal lost");
		});
	}

	private boolean isCurrent(Entry entry) {
		TreeMap<Long, Entry> queue = this.queues.get(entry.key());
		return queue != null && queue.get(entry.ticket) == entry;
	}

	/** The state of a new request, granting it (and drawing its token) when nothing blocks it. */
	private QueueState requestState(Entry entry) {
		if (entry.granted != null) {
			return reported(entry); // granted before; the reply may have been lost
		}
		Queued blocker = QueueRules.blockerOfRequest(queued(entry.key()), entry.queued());
		if (blocker != null) {
			return waitingFor(entry, blocker);
		}
		entry.granted = entry.mode();
		stopWaiting(entry, this.loop.now());
		entry.token = entry.ticket;
		if (entry.freshTokenOnGrant) {
			drawToken(entry);
		}
		entry.freshTokenOnGrant = false;
		this.byToken.put(entry.token, entry);
		return reported(entry);
	}

	/** The state of a conversion to {@code target}, granting it when nothing blocks it. */
	private QueueState conversionState(Entry entry, LockMode target) {
		Queued blocker = QueueRules.blockerOfConversion(queued(entry.key()), entry.queued(), target);
		if (blocker != null) {
			return waitingFor(entry, blocker);
		}
		entry.granted = target;
		entry.converting = null;
		stopWaiting(entry, this.loop.now());
		drawToken(entry);
		this.byToken.put(entry.token, entry);
		touch(entry.key(), true);
		return reported(entry);
	}

	/**
	 * Gives a grant a new token, larger than every ticket and token before, and marks every
	 * waiting entry of the key to draw one too: their tickets are now smaller than a token
	 * issued on the key.
	 */
	private void drawToken(Entry entry) {
		entry.token = ++this.tickets;
		if (this.breakage != Breakage.NO_FRESH_TOKEN_FOR_WAITERS) {
			for (Entry other : this.queues.get(entry.key()).values()) {
				other.freshTokenOnGrant |= other.granted == null;
			}
		}
	}

	private static QueueState reported(Entry entry) {
		return (entry.token == entry.ticket) ? QueueState.GRANTED : QueueState.granted(entry.token);
	}

	private QueueState waitingFor(Entry entry, Queued blocker) {
		Entry blocking = this.queues.get(entry.key()).get(blocker.ticket());
		return QueueState.waiting(Duration.ofNanos(blocking.expiresAt - this.loop.now()));
	}

	/** The live entries of a key as the queue rules see them (an unswept expired entry counts as gone). */
	private List<Queued> queued(String key) {
		List<Queued> queued = new ArrayList<>();
		TreeMap<Long, Entry> queue = this.queues.get(key);
		if (queue != null) {
			for (Entry entry : queue.values()) {
				if (entry.expiresAt - this.loop.now() > 0) {
					queued.add(entry.queued());
				}
			}
		}
		return queued;
	}

	/**
	 * The live entries of a key that wait as a request or a conversion now, other than the
	 * given one, each with the time it started to wait ({@link Entry#waiting}).
	 */
	List<Entry> waitingOn(String key, long exceptTicket) {
		List<Entry> waiting = new ArrayList<>();
		TreeMap<Long, Entry> queue = this.queues.get(key);
		if (queue != null) {
			for (Entry entry : queue.values()) {
				if (entry.ticket != exceptTicket && entry.waiting != null && isLive(entry)) {
					waiting.add(entry);
				}
			}
		}
		return waiting;
	}

	/**
	 * Whether an entry of the key other than the given one waited in the given mode, as a
	 * request or a conversion, at some time from {@code from} to now.
	 */
	boolean waitedIn(String key, LockMode mode, long exceptTicket, long from) {
		for (Waiting waiting : this.waited.getOrDefault(key, List.of())) {
			if (waiting.mode == mode && waiting.entry.ticket != exceptTicket
					&& Math.min(waiting.until, waiting.entry.expiresAt) - from >= 0) {
				return true;
			}
		}
		return false;
	}

	/** The live entry that keeps a waiting request from being granted, if any. */
	@Nullable Entry blocker(Entry entry) {
		if (entry.granted != null) {
			return null;
		}
		Queued blocker = QueueRules.blockerOfRequest(queued(entry.key()), entry.queued());
		return (blocker != null) ? this.queues.get(entry.key()).get(blocker.ticket()) : null;
	}

	/**
	 * The live entries the engine owes an answer: a waiting request that nothing blocks, a
	 * grant not yet delivered, or a pending conversion that nothing blocks.
	 * @param crashed whether a client crashed (its entries are left out as candidates,
	 * but still block)
	 */
	List<Entry> grantableEntries(IntPredicate crashed) {
		List<Entry> grantable = new ArrayList<>();
		for (Map.Entry<String, TreeMap<Long, Entry>> queue : this.queues.entrySet()) {
			List<Queued> queued = queued(queue.getKey());
			for (Entry entry : queue.getValue().values()) {
				if (!isLive(entry) || crashed.test(entry.client)) {
					continue;
				}
				LockMode target = entry.converting;
				boolean owed = (entry.granted == null) ? QueueRules.blockerOfRequest(queued, entry.queued()) == null
						: (target != null) ? QueueRules.blockerOfConversion(queued, entry.queued(), target) == null
								: !entry.delivered;
				if (owed) {
					grantable.add(entry);
				}
			}
		}
		return grantable;
	}

	/** S1 on the server: two live entries of a key granted in conflicting modes, if any. */
	@Nullable String conflictingGrants() {
		for (TreeMap<Long, Entry> queue : this.queues.values()) {
			List<Entry> granted = queue.values().stream().filter((entry) -> isLive(entry) && entry.granted != null)
				.toList();
			for (int i = 0; i < granted.size(); i++) {
				for (int j = i + 1; j < granted.size(); j++) {
					Entry a = granted.get(i);
					Entry b = granted.get(j);
					if (!a.granted.isCompatibleWith(b.granted)) {
						return a + " and " + b;
					}
				}
			}
		}
		return null;
	}

	/** Live: in its queue and its lease not yet run out, whether or not a sweep saw it. */
	boolean isLive(Entry entry) {
		return entry.end == null && isCurrent(entry) && entry.expiresAt - this.loop.now() > 0;
	}

	/** How an entry ended, counting a lease that ran out unseen as expired. */
	@Nullable End endOf(Entry entry) {
		if (entry.end != null) {
			return entry.end;
		}
		return (entry.expiresAt - this.loop.now() <= 0) ? End.EXPIRED : null;
	}

	/** The entry that a grant's token was drawn for (its ticket or a later token). */
	@Nullable Entry entry(long token) {
		return this.byToken.get(token);
	}

	List<Entry> liveEntries() {
		List<Entry> live = new ArrayList<>();
		for (TreeMap<Long, Entry> queue : this.queues.values()) {
			for (Entry entry : queue.values()) {
				if (isLive(entry)) {
					live.add(entry);
				}
			}
		}
		return live;
	}

	/** A rule the server breaks on purpose, to show that the checks catch it. */
	enum Breakage {

		/** None: the server keeps every rule. */
		NONE,

		/** A grant that draws a new token does not mark the waiting entries to draw one too. */
		NO_FRESH_TOKEN_FOR_WAITERS,

		/** A read of a key's queue leaves out every waiting request and pending conversion. */
		QUEUE_HIDES_WAITERS,

		/** A read of a key's queue shows every waiting request and pending conversion in EX. */
		QUEUE_SHOWS_WAITERS_AS_EX,

		/** A value write is acknowledged and not stored. */
		VALUES_DROPPED

	}

	/** How an entry left the server. */
	enum End {

		/** Removed by its owner. */
		REMOVED,

		/** Its lease ran out on the server. */
		EXPIRED,

		/** Lost by a fault (data loss or restart). */
		LOST

	}

	/** A queue entry as the server keeps it; the engine gets it back in polls and renewals. */
	static final class Entry implements QueueEntry {

		final AcquireRequest request;

		final long ticket;

		final int requestNo;

		final int client;

		final long leaseNanos;

		long expiresAt;

		long observed;

		/** The granted mode, recorded when the server reports the grant; null while waiting. */
		@Nullable LockMode granted;

		/** The target of a pending conversion. */
		@Nullable LockMode converting;

		long conversionOrder;

		/** A conversion was granted on the key while this entry waited: its grant draws a new token. */
		boolean freshTokenOnGrant;

		/** The token of the current grant (0 while waiting). */
		long token;

		/** Whether a handle for its grant reached the application. */
		boolean delivered;

		/** While the entry waits as a request or a conversion: since when, in which mode. */
		@Nullable Waiting waiting;

		@Nullable End end;

		long endedAt;

		Entry(AcquireRequest request, long ticket, int requestNo, int client, long leaseNanos, long expiresAt) {
			this.request = request;
			this.ticket = ticket;
			this.requestNo = requestNo;
			this.client = client;
			this.leaseNanos = leaseNanos;
			this.expiresAt = expiresAt;
		}

		@Override
		public AcquireRequest request() {
			return this.request;
		}

		@Override
		public long ticket() {
			return this.ticket;
		}

		String key() {
			return this.request.key();
		}

		LockMode mode() {
			return this.request.mode();
		}

		Queued queued() {
			LockMode held = this.granted;
			if (held == null) {
				return Queued.waiting(this.ticket, mode());
			}
			LockMode target = this.converting;
			return (target != null) ? Queued.converting(this.ticket, held, target, this.conversionOrder)
					: Queued.granted(this.ticket, held);
		}

		@Override
		public String toString() {
			String state = (this.granted == null) ? "waits"
					: "granted " + this.granted + " token " + this.token
							+ ((this.converting != null) ? " converting to " + this.converting : "");
			return "entry t" + this.ticket + " (r" + this.requestNo + " of c" + this.client + ", " + key() + " "
					+ mode() + ", " + state + ")";
		}

	}

	/** One time an entry waited as a request or a conversion. */
	static final class Waiting {

		final Entry entry;

		final LockMode mode;

		final long since;

		/** When it stopped waiting (granted, withdrawn or ended); until then, never. */
		long until = Long.MAX_VALUE;

		Waiting(Entry entry, LockMode mode, long since) {
			this.entry = entry;
			this.mode = mode;
			this.since = since;
		}

	}

	private static final class Watch {

		final Entry entry;

		final int client;

		final Runnable onChange;

		boolean open = true;

		Watch(Entry entry, int client, Runnable onChange) {
			this.entry = entry;
			this.client = client;
			this.onChange = onChange;
		}

	}

}
