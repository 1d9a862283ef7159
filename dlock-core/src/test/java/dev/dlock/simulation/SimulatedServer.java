package dev.dlock.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.support.GrantRule;
import org.jspecify.annotations.Nullable;

/**
 * The simulated lock server: one fair queue per key on simulated time, with server-side
 * leases, a ticket counter that survives restarts, and change signals that travel as
 * droppable messages. It also answers the checks' questions about what is live.
 */
final class SimulatedServer {

	private final EventLoop loop;

	private final Faults faults;

	private final boolean signalEnqueues;

	private final Map<String, TreeMap<Long, Entry>> queues = new TreeMap<>();

	private final Map<Long, Entry> byTicket = new HashMap<>();

	private final Map<String, Entry> byOwner = new HashMap<>();

	private final Set<String> withdrawn = new HashSet<>();

	private final Map<String, Set<Watch>> watches = new TreeMap<>();

	private final Map<String, Long> lastChange = new HashMap<>();

	private long tickets;

	private long changes;

	/**
	 * @param signalEnqueues whether an enqueue signals the key's watchers (etcd, memory)
	 * or only leaving entries do (Redis)
	 */
	SimulatedServer(EventLoop loop, Faults faults, boolean signalEnqueues) {
		this.loop = loop;
		this.faults = faults;
		this.signalEnqueues = signalEnqueues;
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
		QueueState state = stateOf(entry);
		if (state.status() == QueueState.Status.WAITING && !request.waitIfBusy()) {
			return EnqueueResult.rejected();
		}
		this.queues.computeIfAbsent(key, (k) -> new TreeMap<>()).put(entry.ticket, entry);
		this.byTicket.put(entry.ticket, entry);
		this.byOwner.put(request.ownerId(), entry);
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
		return stateOf(entry);
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
		entry.end = how;
		entry.endedAt = (how == End.EXPIRED) ? entry.expiresAt : this.loop.now();
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

	private boolean isCurrent(Entry entry) {
		TreeMap<Long, Entry> queue = this.queues.get(entry.key());
		return queue != null && queue.get(entry.ticket) == entry;
	}

	private QueueState stateOf(Entry entry) {
		Entry blocker = blocker(entry);
		if (blocker == null) {
			return QueueState.GRANTED;
		}
		return QueueState.waiting(Duration.ofNanos(blocker.expiresAt - this.loop.now()));
	}

	/** The live earlier entry with a conflicting mode that the entry waits for, if any. */
	@Nullable Entry blocker(Entry entry) {
		TreeMap<Long, Entry> queue = this.queues.get(entry.key());
		if (queue == null) {
			return null;
		}
		List<Entry> earlier = new ArrayList<>();
		for (Entry other : queue.headMap(entry.ticket).values()) {
			if (other.expiresAt - this.loop.now() > 0) {
				earlier.add(other);
			}
		}
		return GrantRule.blocker(earlier, entry.request.mode(), Entry::mode);
	}

	/**
	 * The live entries that nothing conflicting precedes, in one pass per queue.
	 * @param crashed whether a client crashed (its entries are left out as candidates,
	 * but still block)
	 */
	List<Entry> grantableEntries(IntPredicate crashed) {
		List<Entry> grantable = new ArrayList<>();
		long now = this.loop.now();
		for (TreeMap<Long, Entry> queue : this.queues.values()) {
			boolean[] seen = new boolean[LockMode.values().length];
			for (Entry entry : queue.values()) {
				if (entry.expiresAt - now <= 0) {
					continue;
				}
				LockMode mode = entry.mode();
				boolean blocked = false;
				for (LockMode other : mode.conflictingModes()) {
					blocked |= seen[other.ordinal()];
				}
				if (!blocked && !crashed.test(entry.client)) {
					grantable.add(entry);
				}
				seen[mode.ordinal()] = true;
			}
		}
		return grantable;
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

	@Nullable Entry entry(long ticket) {
		return this.byTicket.get(ticket);
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

		@Override
		public String toString() {
			return "entry t" + this.ticket + " (r" + this.requestNo + " of c" + this.client + ", " + key() + " "
					+ mode() + ")";
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
