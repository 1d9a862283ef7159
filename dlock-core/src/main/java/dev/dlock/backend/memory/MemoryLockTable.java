package dev.dlock.backend.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import dev.dlock.support.QueueRules;
import dev.dlock.support.ResourceChanges;
import dev.dlock.support.TimeSource;
import dev.dlock.support.WaitingHandOver;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory "server": one queue per resource, in ticket order, with leases on the
 * table's clock. Each operation on a resource is atomic (it runs inside the map's
 * per-key compute), sweeps expired entries first, and drops the resource when it empties.
 * A change of a queue moves the resource's change count inside that compute, and the
 * listeners are signalled on the calling thread once it is over.
 */
final class MemoryLockTable {

	private final TimeSource time;

	private final Map<String, Resource> resources = new ConcurrentHashMap<>();

	private final ResourceChanges<Runnable> changes = new ResourceChanges<>(Runnable::run);

	private final AtomicLong tickets = new AtomicLong();

	private final WaitingHandOver waiting = new WaitingHandOver();

	/** Per resource: its value block; changed only inside the resource's atomic step. */
	private final Map<String, StoredValue> values = new ConcurrentHashMap<>();

	private final long valueRetentionNanos;

	private final AtomicBoolean purgeScheduled = new AtomicBoolean();

	MemoryLockTable(TimeSource time, Duration valueRetention) {
		this.time = time;
		this.valueRetentionNanos = valueRetention.toNanos();
	}

	long now() {
		return this.time.nanoTime();
	}

	/** Records a request; returns its entry and state, or {@code null} for a rejected try. */
	@Nullable Decision enqueue(AcquireRequest request, long leaseNanos) {
		Decision[] decision = new Decision[1];
		Queued[] waits = new Queued[1];
		long observed = update(request.key(), (resource, now) -> {
			MemoryEntry entry = new MemoryEntry(request, this.tickets.incrementAndGet(), now + leaseNanos);
			resource.add(entry); // the largest ticket so far: the queue stays in ticket order
			QueueState state = requestState(resource, entry, now);
			if (state.status() == QueueState.Status.WAITING && !request.waitIfBusy()) {
				resource.remove(entry);
				return false;
			}
			decision[0] = new Decision(entry, state);
			waits[0] = (state.status() == QueueState.Status.WAITING) ? entry.queued() : null;
			return true;
		});
		if (decision[0] != null) {
			decision[0].entry().observedChanges(observed);
		}
		handOver(request.key(), waits[0]);
		return decision[0];
	}

	QueueState poll(MemoryEntry entry) {
		QueueState[] state = { QueueState.GONE };
		long observed = update(entry.request().key(), (resource, now) -> {
			if (!resource.holds(entry)) {
				return false;
			}
			LockMode target = entry.converting();
			LockMode granted = entry.granted();
			state[0] = (target != null) ? conversionState(resource, entry, target, now)
					: requestState(resource, entry, now);
			// a grant that drew a token marked the waiters: a change
			return entry.granted() != granted && state[0].newToken() != QueueState.TICKET_TOKEN;
		});
		if (state[0] != QueueState.GONE) {
			entry.observedChanges(observed);
		}
		return state[0];
	}

	/**
	 * Converts a granted entry, or records the conversion in the conversion queue; see
	 * {@link dev.dlock.spi.LockSession#convert}.
	 */
	QueueState convert(MemoryEntry entry, LockMode mode, boolean waitIfBusy) {
		QueueState[] state = { QueueState.GONE };
		Queued[] waits = new Queued[1];
		long observed = update(entry.request().key(), (resource, now) -> {
			if (!resource.holds(entry)) {
				return false;
			}
			if (entry.granted() == null || entry.converting() != null) {
				throw new IllegalStateException("Only a granted entry with no conversion pending converts");
			}
			QueueState decided = conversionState(resource, entry, mode, now);
			if (decided.status() == QueueState.Status.WAITING) {
				List<Queued> queue = queued(resource);
				if (QueueRules.closesCycle(queue, entry.queued(), mode)) {
					decided = QueueState.DEADLOCK;
				}
				else if (!waitIfBusy) {
					decided = QueueState.REJECTED;
				}
				else {
					entry.converting(mode, this.tickets.incrementAndGet());
					waits[0] = entry.queued();
				}
			}
			state[0] = decided;
			// a recorded conversion that waits is a change too: holders are told what waits
			return decided.status() == QueueState.Status.GRANTED || decided.status() == QueueState.Status.WAITING;
		});
		if (state[0] != QueueState.GONE) {
			entry.observedChanges(observed);
		}
		handOver(entry.request().key(), waits[0]);
		return state[0];
	}

	/**
	 * Withdraws a pending conversion; the entry ends granted in the given mode unless it
	 * holds one that does not cover it.
	 * @return the mode the entry is granted in, or {@code null} if it is gone
	 */
	@Nullable LockMode cancelConversion(MemoryEntry entry, LockMode heldMode) {
		LockMode[] ended = new LockMode[1];
		update(entry.request().key(), (resource, now) -> {
			if (!resource.holds(entry)) {
				return false;
			}
			ended[0] = entry.granted();
			if (entry.converting() == null && entry.granted() == heldMode) {
				return false;
			}
			entry.converting(null, 0);
			LockMode granted = entry.granted();
			if (granted != null && granted.covers(heldMode)) {
				// undoes an up-conversion granted meanwhile; a mode is never raised here, which
				// could grant it over others
				entry.grant(heldMode);
			}
			ended[0] = entry.granted();
			return true;
		});
		return ended[0];
	}

	/** Extends the lease of an entry; {@code false} if it no longer exists. */
	boolean renew(MemoryEntry entry, long leaseNanos) {
		boolean[] alive = new boolean[1];
		update(entry.request().key(), (resource, now) -> {
			if (resource.holds(entry)) {
				entry.expiresAt(now + leaseNanos);
				alive[0] = true;
			}
			return false;
		});
		return alive[0];
	}

	void remove(AcquireRequest request) {
		update(request.key(), (resource, now) -> resource
			.removeIf((entry) -> entry.request().ownerId().equals(request.ownerId())));
	}

	/**
	 * Registers a waiter; signals it at once if the resource changed since the entry's last
	 * enqueue or poll.
	 */
	Subscription watch(MemoryEntry entry, Runnable onChange) {
		return this.changes.watch(entry.request().key(), entry.observedChanges(), onChange);
	}

	/** The live entries of a resource, as the grant rules see them. */
	List<Queued> queue(String key) {
		List<List<Queued>> read = new ArrayList<>(1);
		update(key, (resource, now) -> {
			read.add(queued(resource));
			return false;
		});
		return read.get(0);
	}

	/**
	 * Registers a holder told of every later change of a resource's queue, and handed each
	 * request or conversion that starts to wait there.
	 */
	Subscription watchQueue(String key, Runnable onChange, Consumer<Queued> onWaiting) {
		Subscription signals = this.changes.watch(key, this.changes.count(key), onChange);
		Subscription handOvers = this.waiting.register(key, onWaiting);
		return () -> {
			signals.close();
			handOvers.close();
		};
	}

	/** Hands an entry that started to wait to the holders that watch its resource's queue. */
	private void handOver(String key, @Nullable Queued waits) {
		if (waits != null) {
			this.waiting.handOver(key, waits);
		}
	}

	/**
	 * Reads the value block of a granted entry's resource, in the same atomic step that
	 * finds the entry; {@code null} when the entry is gone.
	 */
	@Nullable LockValue readValue(MemoryEntry entry) {
		LockValue[] read = new LockValue[1];
		update(entry.request().key(), (resource, now) -> {
			if (resource.holds(entry)) {
				StoredValue stored = this.values.get(entry.request().key());
				read[0] = (stored != null) ? stored.value() : LockValue.NONE;
			}
			return false;
		});
		return read[0];
	}

	/** Writes the value block if the entry is still granted in {@code PW} or {@code EX}. */
	boolean writeValue(MemoryEntry entry, LockValue value) {
		boolean[] written = new boolean[1];
		String key = entry.request().key();
		update(key, (resource, now) -> {
			if (resource.holds(entry) && isWriting(entry.granted())) {
				this.values.put(key, new StoredValue(value, now));
				written[0] = true;
			}
			return false;
		});
		schedulePurge(this.valueRetentionNanos);
		return written[0];
	}

	int valueCount() {
		return this.values.size();
	}

	int resourceCount() {
		return this.resources.size();
	}

	/**
	 * Runs an operation atomically on a resource after sweeping its expired entries. The
	 * operation returns whether it changed the queue; if anything changed, the resource's
	 * change count moves inside the same atomic step and its listeners are signalled after
	 * it.
	 * @return the change count of the resource at the end of the atomic step
	 */
	private long update(String key, Operation operation) {
		long[] observed = new long[1];
		List<Runnable> signals = new ArrayList<>();
		this.resources.compute(key, (k, existing) -> {
			Resource resource = (existing != null) ? existing : new Resource();
			long now = now();
			boolean[] writerLost = { false };
			boolean swept = resource.removeIf((entry) -> {
				boolean expired = now - entry.expiresAt() >= 0;
				writerLost[0] |= expired && isWriting(entry.granted());
				return expired;
			});
			settleValue(key, now, writerLost[0]);
			if (operation.apply(resource, now) || swept) {
				signals.addAll(this.changes.changed(key));
			}
			observed[0] = this.changes.count(key);
			return resource.isEmpty() ? null : resource;
		});
		signals.forEach(Runnable::run);
		return observed[0];
	}

	/**
	 * Inside a resource's atomic step: drops its value once past the retention time, and
	 * marks it invalid when a {@code PW} or {@code EX} entry expired (a lost writer).
	 */
	private void settleValue(String key, long now, boolean writerLost) {
		if (this.values.isEmpty() && !writerLost) {
			return;
		}
		this.values.compute(key, (k, stored) -> {
			if (stored != null && now - stored.writtenAt() >= this.valueRetentionNanos) {
				stored = null;
			}
			if (!writerLost) {
				return stored;
			}
			return (stored != null) ? stored.invalidated(now) : new StoredValue(StoredValue.LOST_UNWRITTEN, now);
		});
		if (writerLost) {
			schedulePurge(this.valueRetentionNanos);
		}
	}

	/** Drops the values past their retention time, one timer task at a time. */
	private void schedulePurge(long delayNanos) {
		if (this.purgeScheduled.compareAndSet(false, true)) {
			this.time.schedule(Duration.ofNanos(delayNanos), this::purge);
		}
	}

	private void purge() {
		this.purgeScheduled.set(false);
		for (String key : this.values.keySet()) {
			update(key, (resource, now) -> false);
		}
		long now = now();
		this.values.values().stream()
			.mapToLong((stored) -> stored.writtenAt() + this.valueRetentionNanos - now)
			.min()
			.ifPresent((next) -> schedulePurge(Math.max(next, 0)));
	}

	private static boolean isWriting(@Nullable LockMode mode) {
		return mode == LockMode.PW || mode == LockMode.EX;
	}

	/** The state of a new request, granting it when it may be granted. */
	private QueueState requestState(Resource resource, MemoryEntry entry, long now) {
		if (entry.granted() != null) {
			return entry.reported(); // reported before, with the same token
		}
		Queued blocker = QueueRules.blockerOfRequest(queued(resource), entry.queued());
		if (blocker != null) {
			return waiting(resource, blocker, now);
		}
		if (entry.grant(entry.request().mode())) {
			drawToken(resource, entry);
		}
		return entry.reported();
	}

	/** The state of a conversion to {@code target}, granting it when it may be granted. */
	private QueueState conversionState(Resource resource, MemoryEntry entry, LockMode target, long now) {
		Queued blocker = QueueRules.blockerOfConversion(queued(resource), entry.queued(), target);
		if (blocker != null) {
			return waiting(resource, blocker, now);
		}
		entry.grant(target);
		drawToken(resource, entry);
		return entry.reported();
	}

	/**
	 * Gives a grant a new token, larger than every ticket and token before, and marks every
	 * waiting entry of the resource to draw one too when it is granted: its ticket is now
	 * smaller than a token issued on the resource (by a conversion, or by a request granted
	 * after one).
	 */
	private void drawToken(Resource resource, MemoryEntry entry) {
		entry.token(this.tickets.incrementAndGet());
		resource.forEach(MemoryEntry::drawFreshTokenOnGrant);
	}

	private static QueueState waiting(Resource resource, Queued blocker, long now) {
		MemoryEntry blocking = resource.find(blocker.ticket());
		return QueueState.waiting(Duration.ofNanos(blocking.expiresAt() - now));
	}

	private static List<Queued> queued(Resource resource) {
		List<Queued> queue = new ArrayList<>(resource.size());
		resource.forEach((entry) -> queue.add(entry.queued()));
		return queue;
	}

	record Decision(MemoryEntry entry, QueueState state) {
	}

	/** A value block and when it was last written or marked invalid, on the table's clock. */
	private record StoredValue(LockValue value, long writtenAt) {

		/** What a writer lost before any write leaves: no value, and not valid. */
		static final LockValue LOST_UNWRITTEN = new LockValue(new byte[0], 0, false);

		/** Invalid from now, and kept a retention time from now, so that the mark is seen. */
		StoredValue invalidated(long now) {
			return new StoredValue(new LockValue(this.value.bytes(), this.value.version(), false), now);
		}

	}

	@FunctionalInterface
	private interface Operation {

		boolean apply(Resource resource, long now);

	}

	/**
	 * The queue of one resource, in ticket order. A list rather than a sorted map: an entry
	 * always joins with the largest ticket, and a resource holds one entry per held lock,
	 * so a small list costs a third of a map's nodes. The resource is that list itself, not
	 * an object that holds one: one object fewer per held lock.
	 */
	@SuppressWarnings("serial")
	private static final class Resource extends ArrayList<MemoryEntry> {

		Resource() {
			super(1);
		}

		boolean holds(MemoryEntry entry) {
			for (MemoryEntry queued : this) {
				if (queued == entry) {
					return true;
				}
			}
			return false;
		}

		MemoryEntry find(long ticket) {
			for (MemoryEntry queued : this) {
				if (queued.ticket() == ticket) {
					return queued;
				}
			}
			throw new IllegalStateException("No entry with ticket " + ticket + " in the queue");
		}

	}

}
