package dev.dlock.backend.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueState;
import dev.dlock.support.GrantRule;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory "server": one queue per resource, in ticket order, with leases on the
 * table's clock. Each operation on a resource is atomic (it runs inside the map's
 * per-key compute), sweeps expired entries first, and drops the resource when it empties.
 */
final class MemoryLockTable {

	private final LongSupplier clock;

	private final Map<String, Resource> resources = new ConcurrentHashMap<>();

	private final Map<String, Set<Runnable>> watchers = new ConcurrentHashMap<>();

	private final AtomicLong tickets = new AtomicLong();

	private final AtomicLong changes = new AtomicLong();

	MemoryLockTable(LongSupplier clock) {
		this.clock = clock;
	}

	long now() {
		return this.clock.getAsLong();
	}

	/** Records a request; returns its entry and state, or {@code null} for a rejected try. */
	@Nullable Decision enqueue(AcquireRequest request, long leaseNanos) {
		Decision[] decision = new Decision[1];
		update(request.key(), (resource, now) -> {
			MemoryEntry entry = new MemoryEntry(request, this.tickets.incrementAndGet(), now + leaseNanos);
			QueueState state = stateOf(resource, entry.ticket(), request, now);
			if (state.status() == QueueState.Status.WAITING && !request.waitIfBusy()) {
				return false;
			}
			resource.queue.put(entry.ticket(), entry);
			entry.observed(touch(resource));
			decision[0] = new Decision(entry, state);
			return true;
		});
		return decision[0];
	}

	QueueState poll(MemoryEntry entry) {
		QueueState[] state = { QueueState.GONE };
		update(entry.request().key(), (resource, now) -> {
			if (resource.queue.get(entry.ticket()) == entry) {
				state[0] = stateOf(resource, entry.ticket(), entry.request(), now);
				entry.observed(resource.lastChange);
			}
			return false;
		});
		return state[0];
	}

	/** Extends the lease of an entry; {@code false} if it no longer exists. */
	boolean renew(MemoryEntry entry, long leaseNanos) {
		boolean[] alive = new boolean[1];
		update(entry.request().key(), (resource, now) -> {
			if (resource.queue.get(entry.ticket()) == entry) {
				entry.expiresAt(now + leaseNanos);
				alive[0] = true;
			}
			return false;
		});
		return alive[0];
	}

	void remove(AcquireRequest request) {
		update(request.key(), (resource, now) -> {
			boolean removed = resource.queue.values()
				.removeIf((entry) -> entry.request().ownerId().equals(request.ownerId()));
			if (removed) {
				touch(resource);
			}
			return removed;
		});
	}

	/** Whether the resource changed since the entry's last enqueue or poll. */
	boolean changedSince(MemoryEntry entry) {
		Resource resource = this.resources.get(entry.request().key());
		return resource == null || resource.lastChange != entry.observed();
	}

	Runnable watch(String key, Runnable onChange) {
		this.watchers.computeIfAbsent(key, (k) -> new CopyOnWriteArraySet<>()).add(onChange);
		return () -> this.watchers.computeIfPresent(key, (k, set) -> {
			set.remove(onChange);
			return set.isEmpty() ? null : set;
		});
	}

	int resourceCount() {
		return this.resources.size();
	}

	/**
	 * Runs an operation atomically on a resource after sweeping its expired entries, and
	 * signals the resource's watchers if anything changed. The operation returns whether
	 * it changed the queue, and {@linkplain #touch touches} the resource when it does.
	 */
	private void update(String key, Operation operation) {
		boolean[] changed = new boolean[1];
		this.resources.compute(key, (k, existing) -> {
			Resource resource = (existing != null) ? existing : new Resource();
			long now = now();
			boolean swept = resource.queue.values().removeIf((entry) -> now - entry.expiresAt() >= 0);
			if (swept) {
				touch(resource);
			}
			changed[0] = operation.apply(resource, now) || swept;
			return resource.queue.isEmpty() ? null : resource;
		});
		if (changed[0]) {
			signal(key);
		}
	}

	private long touch(Resource resource) {
		resource.lastChange = this.changes.incrementAndGet();
		return resource.lastChange;
	}

	private QueueState stateOf(Resource resource, long ticket, AcquireRequest request, long now) {
		List<MemoryEntry> earlier = new ArrayList<>(resource.queue.headMap(ticket).values());
		MemoryEntry blocker = GrantRule.blocker(earlier, request.mode(), (entry) -> entry.request().mode());
		if (blocker == null) {
			return QueueState.GRANTED;
		}
		return QueueState.waiting(Duration.ofNanos(blocker.expiresAt() - now));
	}

	private void signal(String key) {
		Set<Runnable> listeners = this.watchers.get(key);
		if (listeners != null) {
			listeners.forEach(Runnable::run);
		}
	}

	record Decision(MemoryEntry entry, QueueState state) {
	}

	@FunctionalInterface
	private interface Operation {

		boolean apply(Resource resource, long now);

	}

	private static final class Resource {

		private final TreeMap<Long, MemoryEntry> queue = new TreeMap<>();

		private long lastChange;

	}

}
