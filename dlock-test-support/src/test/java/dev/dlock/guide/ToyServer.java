package dev.dlock.guide;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueState;
import dev.dlock.support.QueueRules;
import dev.dlock.spi.Queued;
import org.jspecify.annotations.Nullable;

/**
 * The toy's "server", shared by its clients as a real server would be: per key a queue of
 * records in ticket order, each living until its lease runs out. Every operation is atomic
 * (one lock) and first drops the key's expired records; a removal, an expiry, a request
 * or conversion that starts to wait is published to every subscribed client, as Redis
 * pub/sub or an etcd watch would.
 */
final class ToyServer {

	private final Map<String, TreeMap<Long, Row>> queues = new HashMap<>();

	private final List<Consumer<String>> subscribers = new CopyOnWriteArrayList<>();

	private long lastTicket;

	/** Per key: its value block (a real server would drop it a while after its last write). */
	private final Map<String, LockValue> values = new HashMap<>();

	/** Subscribes to the keys whose queue lost a record; returns the unsubscribe action. */
	Runnable subscribe(Consumer<String> changedKeys) {
		this.subscribers.add(changedKeys);
		return () -> this.subscribers.remove(changedKeys);
	}

	/**
	 * Records a request under a new ticket and decides it; a try that would wait records
	 * nothing and gets {@code null}.
	 */
	@Nullable Decision enqueue(AcquireRequest request, Duration lease) {
		Decision decision;
		boolean expired;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.computeIfAbsent(request.key(), (key) -> new TreeMap<>());
			expired = dropExpired(request.key(), queue);
			long ticket = ++this.lastTicket;
			queue.put(ticket, Row.waiting(request.mode(), request.ownerId(), System.nanoTime() + lease.toNanos()));
			QueueState state = decide(queue, ticket);
			if (state.status() == QueueState.Status.WAITING && !request.waitIfBusy()) {
				queue.remove(ticket);
				decision = null;
			}
			else {
				decision = new Decision(ticket, state);
			}
			forgetIfEmpty(request.key(), queue);
		}
		// a request that waits is a change too: holders are told what waits for them
		publishIf(expired || (decision != null && decision.state().status() == QueueState.Status.WAITING),
				request.key());
		return decision;
	}

	/** The state of a record; GONE if it expired or was removed. */
	QueueState poll(String key, long ticket) {
		QueueState state = QueueState.GONE;
		boolean expired;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			expired = dropExpired(key, queue);
			if (queue.containsKey(ticket)) {
				state = decide(queue, ticket);
			}
			forgetIfEmpty(key, queue);
		}
		publishIf(expired, key);
		return state;
	}

	/**
	 * Converts a granted record, or queues the conversion: the rules are
	 * {@code QueueRules}'; a granted conversion takes a new ticket as its token and marks
	 * the waiting records, which take a new one too when granted.
	 */
	QueueState convert(String key, long ticket, LockMode mode, boolean waitIfBusy) {
		QueueState state = QueueState.GONE;
		boolean changed;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			changed = dropExpired(key, queue);
			Row row = queue.get(ticket);
			if (row != null) {
				Queued entry = queued(ticket, row);
				Queued blocker = QueueRules.blockerOfConversion(queued(queue), entry, mode);
				if (blocker == null) {
					state = grantConversion(queue, ticket, mode);
					changed = true;
				}
				else if (QueueRules.closesCycle(queued(queue), entry, mode)) {
					state = QueueState.DEADLOCK;
				}
				else if (!waitIfBusy) {
					state = QueueState.REJECTED;
				}
				else {
					queue.put(ticket, row.converting(mode, ++this.lastTicket));
					state = QueueState.waiting(remainingLease(queue.get(blocker.ticket())));
					changed = true;
				}
			}
			forgetIfEmpty(key, queue);
		}
		publishIf(changed, key);
		return state;
	}

	/** The live records of a key, as the grant rules see them. */
	List<Queued> queue(String key) {
		List<Queued> entries;
		boolean expired;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			expired = dropExpired(key, queue);
			entries = queued(queue);
			forgetIfEmpty(key, queue);
		}
		publishIf(expired, key);
		return entries;
	}

	/**
	 * Withdraws a record's conversion: it ends granted in {@code heldMode} unless it holds a
	 * mode that does not cover it; answers the mode it ends in, {@code null} if it is gone.
	 */
	@Nullable LockMode cancelConversion(String key, long ticket, LockMode heldMode) {
		LockMode ended = null;
		boolean changed;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			changed = dropExpired(key, queue);
			Row row = queue.get(ticket);
			if (row != null && row.granted() != null) {
				// undoes an up-conversion granted meanwhile, and never raises a mode
				ended = row.granted().covers(heldMode) ? heldMode : row.granted();
				queue.put(ticket, row.granted(ended, row.token()));
				changed = true;
			}
			forgetIfEmpty(key, queue);
		}
		publishIf(changed, key);
		return ended;
	}

	/** Extends a record's lease; {@code false} if it no longer exists. */
	boolean renew(String key, long ticket, Duration lease) {
		boolean alive;
		boolean expired;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			expired = dropExpired(key, queue);
			Row row = queue.get(ticket);
			alive = row != null;
			if (row != null) {
				queue.put(ticket, row.renewed(System.nanoTime() + lease.toNanos()));
			}
			forgetIfEmpty(key, queue);
		}
		publishIf(expired, key);
		return alive;
	}

	/** Removes the records of one owner id, and nothing else. */
	void remove(String key, String ownerId) {
		boolean changed;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			changed = dropExpired(key, queue) | queue.values().removeIf((row) -> row.ownerId().equals(ownerId));
			forgetIfEmpty(key, queue);
		}
		publishIf(changed, key);
	}

	/**
	 * Drops a key's expired records; one granted in {@code PW} or {@code EX} (a lost
	 * writer) leaves the key's value invalid.
	 */
	private boolean dropExpired(String key, TreeMap<Long, Row> queue) {
		long now = System.nanoTime();
		boolean[] writerLost = { false };
		boolean dropped = queue.values().removeIf((row) -> {
			boolean expired = now - row.expiresAt() >= 0;
			writerLost[0] |= expired && (row.granted() == LockMode.PW || row.granted() == LockMode.EX);
			return expired;
		});
		if (writerLost[0]) {
			LockValue value = this.values.getOrDefault(key, LockValue.NONE);
			this.values.put(key, new LockValue(value.bytes(), value.version(), false));
		}
		return dropped;
	}

	/** The key's value, if the record is still there; {@code null} otherwise. */
	synchronized @Nullable LockValue readValue(String key, long ticket) {
		TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
		dropExpired(key, queue);
		forgetIfEmpty(key, queue);
		return queue.containsKey(ticket) ? this.values.getOrDefault(key, LockValue.NONE) : null;
	}

	/** Writes the key's value if the record is still granted in {@code PW} or {@code EX}. */
	synchronized boolean writeValue(String key, long ticket, LockValue value) {
		TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
		dropExpired(key, queue);
		forgetIfEmpty(key, queue);
		Row row = queue.get(ticket);
		if (row == null || (row.granted() != LockMode.PW && row.granted() != LockMode.EX)) {
			return false;
		}
		this.values.put(key, value);
		return true;
	}

	/** Decides a waiting request or a pending conversion with {@code QueueRules}. */
	private QueueState decide(TreeMap<Long, Row> queue, long ticket) {
		Row row = queue.get(ticket);
		if (row.converting() != null) {
			Queued blocker = QueueRules.blockerOfConversion(queued(queue), queued(ticket, row),
					row.converting());
			return (blocker != null) ? QueueState.waiting(remainingLease(queue.get(blocker.ticket())))
					: grantConversion(queue, ticket, row.converting());
		}
		if (row.granted() != null) {
			return (row.token() != 0) ? QueueState.granted(row.token()) : QueueState.GRANTED; // told before
		}
		Queued blocker = QueueRules.blockerOfRequest(queued(queue), queued(ticket, row));
		if (blocker != null) {
			return QueueState.waiting(remainingLease(queue.get(blocker.ticket())));
		}
		if (!row.freshToken()) {
			queue.put(ticket, row.granted(row.requested(), 0));
			return QueueState.GRANTED;
		}
		return drawToken(queue, ticket, row.requested());
	}

	private QueueState grantConversion(TreeMap<Long, Row> queue, long ticket, LockMode mode) {
		return drawToken(queue, ticket, mode);
	}

	/**
	 * Grants a record with a new token, which it keeps for repeated polls, and marks the
	 * waiting records: one with a smaller ticket, granted after this grant ended, must not
	 * show a smaller token.
	 */
	private QueueState drawToken(TreeMap<Long, Row> queue, long ticket, LockMode mode) {
		long token = ++this.lastTicket;
		queue.replaceAll((other, row) -> (other == ticket) ? row.granted(mode, token) : row.markedForFreshToken());
		return QueueState.granted(token);
	}

	private static Duration remainingLease(Row row) {
		return Duration.ofNanos(row.expiresAt() - System.nanoTime());
	}

	private static List<Queued> queued(TreeMap<Long, Row> queue) {
		List<Queued> entries = new ArrayList<>();
		queue.forEach((ticket, row) -> entries.add(queued(ticket, row)));
		return entries;
	}

	private static Queued queued(long ticket, Row row) {
		return new Queued(ticket, row.granted(), (row.granted() == null) ? row.requested() : row.converting(),
				row.order());
	}

	private void forgetIfEmpty(String key, TreeMap<Long, Row> queue) {
		if (queue.isEmpty()) {
			this.queues.remove(key);
		}
	}

	private void publishIf(boolean changed, String key) {
		if (changed) {
			this.subscribers.forEach((subscriber) -> subscriber.accept(key));
		}
	}

	/** What the server answered to an enqueue. */
	record Decision(long ticket, QueueState state) {
	}

	/**
	 * A record: the mode a new request asks for, or the granted mode and a conversion's
	 * target; the order of that conversion; whether a grant must take a new token.
	 */
	private record Row(LockMode requested, @Nullable LockMode granted, @Nullable LockMode converting, long order,
			boolean freshToken, long token, String ownerId, long expiresAt) {

		static Row waiting(LockMode mode, String ownerId, long expiresAt) {
			return new Row(mode, null, null, 0, false, 0, ownerId, expiresAt);
		}

		/** Granted in a mode, with a token drawn for it ({@code 0}: the ticket). */
		Row granted(LockMode mode, long drawn) {
			return new Row(this.requested, mode, null, 0, false, drawn, this.ownerId, this.expiresAt);
		}

		Row converting(LockMode target, long conversionOrder) {
			return new Row(this.requested, this.granted, target, conversionOrder, false, this.token, this.ownerId,
					this.expiresAt);
		}

		Row markedForFreshToken() {
			return (this.granted != null) ? this
					: new Row(this.requested, null, null, 0, true, 0, this.ownerId, this.expiresAt);
		}

		Row renewed(long expiry) {
			return new Row(this.requested, this.granted, this.converting, this.order, this.freshToken, this.token,
					this.ownerId, expiry);
		}

	}

}
