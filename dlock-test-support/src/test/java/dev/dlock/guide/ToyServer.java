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
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueState;
import dev.dlock.support.GrantRule;
import org.jspecify.annotations.Nullable;

/**
 * The toy's "server", shared by its clients as a real server would be: per key a queue of
 * records in ticket order, each living until its lease runs out. Every operation is atomic
 * (one lock) and first drops the key's expired records; a removal or an expiry is
 * published to every subscribed client, as Redis pub/sub or an etcd watch would.
 */
final class ToyServer {

	private final Map<String, TreeMap<Long, Row>> queues = new HashMap<>();

	private final List<Consumer<String>> subscribers = new CopyOnWriteArrayList<>();

	private long lastTicket;

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
			expired = dropExpired(queue);
			long ticket = ++this.lastTicket;
			QueueState state = stateOf(queue, ticket, request.mode());
			if (state.status() == QueueState.Status.WAITING && !request.waitIfBusy()) {
				decision = null;
			}
			else {
				queue.put(ticket, new Row(request.mode(), request.ownerId(), System.nanoTime() + lease.toNanos()));
				decision = new Decision(ticket, state);
			}
			forgetIfEmpty(request.key(), queue);
		}
		publishIf(expired, request.key());
		return decision;
	}

	/** The state of a record; GONE if it expired or was removed. */
	QueueState poll(String key, long ticket) {
		QueueState state = QueueState.GONE;
		boolean expired;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			expired = dropExpired(queue);
			Row row = queue.get(ticket);
			if (row != null) {
				state = stateOf(queue, ticket, row.mode());
			}
			forgetIfEmpty(key, queue);
		}
		publishIf(expired, key);
		return state;
	}

	/** Extends a record's lease; {@code false} if it no longer exists. */
	boolean renew(String key, long ticket, Duration lease) {
		boolean alive;
		boolean expired;
		synchronized (this) {
			TreeMap<Long, Row> queue = this.queues.getOrDefault(key, new TreeMap<>());
			expired = dropExpired(queue);
			Row row = queue.get(ticket);
			alive = row != null;
			if (row != null) {
				queue.put(ticket, new Row(row.mode(), row.ownerId(), System.nanoTime() + lease.toNanos()));
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
			changed = dropExpired(queue) | queue.values().removeIf((row) -> row.ownerId().equals(ownerId));
			forgetIfEmpty(key, queue);
		}
		publishIf(changed, key);
	}

	private static boolean dropExpired(TreeMap<Long, Row> queue) {
		long now = System.nanoTime();
		return queue.values().removeIf((row) -> now - row.expiresAt() >= 0);
	}

	/** The guide's grant rule: granted unless an earlier record's mode conflicts. */
	private static QueueState stateOf(TreeMap<Long, Row> queue, long ticket, LockMode mode) {
		List<Row> earlier = new ArrayList<>(queue.headMap(ticket).values());
		Row blocker = GrantRule.blocker(earlier, mode, Row::mode);
		if (blocker == null) {
			return QueueState.GRANTED;
		}
		return QueueState.waiting(Duration.ofNanos(blocker.expiresAt() - System.nanoTime()));
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

	private record Row(LockMode mode, String ownerId, long expiresAt) {
	}

}
