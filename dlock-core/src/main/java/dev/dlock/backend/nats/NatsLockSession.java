package dev.dlock.backend.nats;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

import dev.dlock.LockBackendException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import dev.dlock.support.KeyCodec;
import dev.dlock.support.KeyDigest;
import dev.dlock.support.LockKeyTable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session on the buckets of a backend. A request goes to the bucket of its key's
 * {@linkplain KeyDigest#shard shard}, so every key lives in one bucket, and every later call
 * about its entry goes to the bucket that holds it (the entry knows it: no digest per call).
 * <p>
 * The session keeps its entries alive with one heartbeat in the {@link LiveBucket}: a
 * renewal round is one revision-checked update of it, plus a rewrite of the few entries
 * whose last write by this backend is half the entries' max age old. An enqueue uses the
 * heartbeat only while it is proved alive for a full lease from the call (otherwise it
 * writes it first), because the engine counts a new entry valid for a lease from the
 * moment its enqueue was sent. Heartbeat writes are sent one after the other. Once the
 * stream leader has no heartbeat (it expired: the session could not renew for longer than
 * its max age), every entry written under it is lost for good, and the session writes its
 * next entries under a new heartbeat with a new id: an expired heartbeat may already have
 * let others delete entries and be granted. Closing the session deletes its heartbeat.
 * <p>
 * Entries that the engine stopped renewing (it counted them lost, say after a renewal
 * answered too late) would live on with the heartbeat and block others while nobody holds
 * them, so once one is surely past its validity in the engine it is deleted here, as the
 * etcd backend does with entries under a session lease.
 */
final class NatsLockSession implements LockSession {

	private static final Logger logger = LoggerFactory.getLogger(NatsLockSession.class);

	private static final SecureRandom RANDOM = new SecureRandom();

	/** How often an update is sent again on top of its own write whose reply was lost. */
	private static final int MAX_UPDATES = 3;

	private final List<NatsBucket> buckets;

	private final LiveBucket live;

	private final NatsCalls calls;

	private final Duration leaseTime;

	private final Object monitor = new Object();

	/**
	 * The entries this session created and has not removed, filed by lock key without a map
	 * node each (a session may hold a hundred thousand locks); told apart by their requests.
	 * Guarded by itself.
	 */
	private final LockKeyTable<NatsQueueEntry> entries = new LockKeyTable<>();

	// guarded by monitor
	private @Nullable SessionHeartbeat heartbeat;

	// guarded by monitor: the last heartbeat write; the next one is sent after it
	private CompletableFuture<?> writes = CompletableFuture.completedFuture(null);

	// guarded by monitor
	private boolean closed;

	NatsLockSession(List<NatsBucket> buckets, LiveBucket live, NatsCalls calls, Duration leaseTime) {
		this.buckets = buckets;
		this.live = live;
		this.calls = calls;
		this.leaseTime = leaseTime;
	}

	@Override
	public Duration leaseTime() {
		return this.leaseTime;
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		long requiredUntil = this.calls.time().nanoTime() + this.leaseTime.toNanos();
		return heartbeatUntil(requiredUntil)
			.thenCompose((heartbeat) -> bucketOf(request).enqueue(request, heartbeat, requiredUntil))
			.thenApply((result) -> {
				if (result.entry() instanceof NatsQueueEntry entry) {
					keep(entry);
				}
				return result;
			});
	}

	@Override
	public CompletableFuture<QueueState> poll(QueueEntry entry) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).poll(natsEntry);
	}

	@Override
	public Subscription watch(QueueEntry entry, Runnable onChange) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).watch(natsEntry, onChange);
	}

	/**
	 * Reads the queue from the local copy of the entry's bucket; entries of sessions whose
	 * heartbeat ran out do not show (see {@link LiveBucket#mayLive}).
	 */
	@Override
	public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).queue(natsEntry);
	}

	/**
	 * Registers a listener on the local copy of the entry's bucket: no request to the
	 * server, and the copy's watcher checks itself once a second while it is registered.
	 * Hands over the request or conversion that the copy applied, with its signal: no read
	 * is needed to tell the holder.
	 */
	@Override
	public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).watchQueue(natsEntry, onChange, onWaiting);
	}

	/**
	 * One update of the heartbeat, and a rewrite of the entries that are due (their last
	 * write by this backend is half the entries' max age old), each bucket's in that bucket,
	 * all sent together. The heartbeat is written after the round began, so it is proved
	 * alive for a lease from the round's start. Entries under a heartbeat that is gone are
	 * lost, and so are due entries the rewrite no longer finds; any other failure fails the
	 * round, so that no entry counts as renewed on a guess.
	 */
	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		long start = this.calls.time().nanoTime();
		CompletableFuture<SessionHeartbeat> beat = beat();
		Map<NatsBucket, List<QueueEntry>> due = new LinkedHashMap<>();
		Set<NatsQueueEntry> batch = new HashSet<>();
		for (QueueEntry entry : entries) {
			NatsQueueEntry natsEntry = NatsBucket.entry(entry);
			natsEntry.validBound(start + this.leaseTime.toNanos());
			batch.add(natsEntry);
			NatsBucket bucket = natsEntry.bucket();
			if (!natsEntry.heartbeat().isDead() && natsEntry.lastSentBefore(start - bucket.maxAge().toNanos() / 2)) {
				due.computeIfAbsent(bucket, (key) -> new ArrayList<>()).add(entry);
			}
		}
		List<CompletableFuture<Set<QueueEntry>>> rounds = new ArrayList<>();
		due.forEach((bucket, inBucket) -> rounds.add(bucket.renew(inBucket)));
		CompletableFuture<Void> rewritten = CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new));
		return beat.thenCombine(rewritten, (current, done) -> {
			Set<QueueEntry> lost = new HashSet<>();
			rounds.forEach((round) -> lost.addAll(round.join()));
			for (QueueEntry entry : entries) {
				if (NatsBucket.entry(entry).heartbeat().isDead()) {
					lost.add(entry);
				}
			}
			lost.forEach((entry) -> forget(NatsBucket.entry(entry)));
			reapAbandoned(batch, start);
			return lost;
		});
	}

	/**
	 * Deletes entries the engine no longer renews and surely no longer counts valid; one
	 * that may hold {@code PW} or {@code EX} marks its key's value invalid first.
	 */
	private void reapAbandoned(Set<NatsQueueEntry> renewed, long now) {
		List<NatsQueueEntry> kept;
		synchronized (this.entries) {
			kept = this.entries.members();
		}
		for (NatsQueueEntry entry : kept) {
			if (renewed.contains(entry)) {
				continue;
			}
			if (entry.heartbeat().isDead()) {
				forget(entry); // others delete it: its heartbeat is gone, or going
			}
			else if (entry.isPastValidBound(now)) {
				// a holder of PW or EX that the engine gave up may have changed what the value describes
				CompletableFuture<Void> marked = NatsBucket.mayHoldWriteMode(entry.value())
						? entry.bucket().invalidate(entry.resource(), entry.value())
						: CompletableFuture.completedFuture(null);
				marked.thenCompose((done) -> entry.bucket().remove(entry.request())).whenComplete((deleted, failure) -> {
					if (failure == null) {
						forget(entry);
						logger.debug("Deleted the abandoned entry of lock '{}' ({}) with token {}",
								entry.request().key(), entry.request().mode(), entry.ticket());
					}
				});
			}
		}
	}

	/** Keeps an entry in place of any other of its request. */
	private void keep(NatsQueueEntry entry) {
		synchronized (this.entries) {
			NatsQueueEntry other = entryOf(entry.request());
			if (other != entry) {
				if (other != null) {
					this.entries.remove(other);
				}
				this.entries.add(entry);
			}
		}
	}

	private void forget(NatsQueueEntry entry) {
		synchronized (this.entries) {
			this.entries.remove(entry);
		}
	}

	// guarded by entries
	private @Nullable NatsQueueEntry entryOf(AcquireRequest request) {
		for (NatsQueueEntry entry = this.entries.chain(request.key()); entry != null; entry = entry.nextInTable()) {
			if (entry.request().equals(request)) {
				return entry;
			}
		}
		return null;
	}

	/**
	 * A heartbeat proved alive until {@code requiredUntil}: the current one, else after one
	 * more write.
	 */
	private CompletableFuture<SessionHeartbeat> heartbeatUntil(long requiredUntil) {
		synchronized (this.monitor) {
			SessionHeartbeat current = this.heartbeat;
			if (current != null && current.provenAliveUntil(requiredUntil)) {
				return CompletableFuture.completedFuture(current);
			}
		}
		return beat().thenApply((current) -> {
			if (!current.provenAliveUntil(requiredUntil)) {
				throw new LockBackendException("NATS did not confirm the session's heartbeat in time", null);
			}
			return current;
		});
	}

	/**
	 * Writes the heartbeat once, after the writes before it: an update of the current one,
	 * or a new heartbeat if there is none or it is gone. Each write continues on dlock's
	 * threads, never on the client thread that delivered the reply before it.
	 */
	private CompletableFuture<SessionHeartbeat> beat() {
		synchronized (this.monitor) {
			if (this.closed) {
				return CompletableFuture.failedFuture(new LockBackendException("The NATS lock session is closed", null));
			}
			CompletableFuture<SessionHeartbeat> next = this.calls
				.handOver(this.writes.handle((previous, failure) -> null))
				.thenCompose((previous) -> write());
			this.writes = next;
			return next;
		}
	}

	/** Updates the current heartbeat, or writes a new one if there is none or it is dead. */
	private CompletableFuture<SessionHeartbeat> write() {
		SessionHeartbeat current;
		synchronized (this.monitor) {
			current = this.heartbeat;
		}
		if (current == null || current.isDead()) {
			return create();
		}
		return update(current, 1);
	}

	private CompletableFuture<SessionHeartbeat> create() {
		String id = newId();
		long sentAt = this.calls.time().nanoTime();
		return this.live.create(id).thenApply((ack) -> {
			SessionHeartbeat created = new SessionHeartbeat(id, ack.getSeqno(), sentAt + this.live.maxAge().toNanos());
			boolean orphan;
			synchronized (this.monitor) {
				orphan = this.closed;
				if (!orphan) {
					this.heartbeat = created;
				}
			}
			if (orphan) {
				end(created);
				throw new LockBackendException("The NATS lock session is closed", null);
			}
			return created;
		});
	}

	/**
	 * Updates the heartbeat against its last revision. A failed check is read again at the
	 * stream leader: a newer revision is an update of this session whose reply was lost,
	 * and is updated once more; no heartbeat, or an older revision (the stream lost
	 * acknowledged writes), means the heartbeat is dead, and a new one is written.
	 */
	private CompletableFuture<SessionHeartbeat> update(SessionHeartbeat current, int attempt) {
		long sentAt = this.calls.time().nanoTime();
		return this.calls.handOver(this.live.update(current.id(), current.revision())).handle((ack, failure) -> {
			if (failure == null) {
				current.confirm(ack.getSeqno(), sentAt + this.live.maxAge().toNanos());
				return CompletableFuture.completedFuture(current);
			}
			if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE) {
				return CompletableFuture.<SessionHeartbeat>failedFuture(failure);
			}
			return this.calls.handOver(this.live.leaderRevision(current.id())).thenCompose((revision) -> {
				if (revision == null || revision <= current.revision()) {
					current.markDead();
					logger.warn("The heartbeat of a NATS lock session expired: its locks are lost");
					return write();
				}
				if (attempt >= MAX_UPDATES) {
					throw new LockBackendException("Renewing the NATS session heartbeat failed: its revision moved "
							+ attempt + " times in a row", null);
				}
				current.advance(revision);
				return update(current, attempt + 1);
			});
		}).thenCompose(Function.identity());
	}

	private static String newId() {
		byte[] bytes = new byte[16];
		RANDOM.nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		return bucketOf(request).remove(request).thenApply((removed) -> {
			synchronized (this.entries) {
				NatsQueueEntry known = entryOf(request);
				if (known != null) {
					this.entries.remove(known);
				}
			}
			return removed;
		});
	}

	/**
	 * Two reads at the stream leader: the value, then the entry (see
	 * {@link NatsBucket#readValue}).
	 */
	@Override
	public CompletableFuture<@Nullable LockValue> readValue(QueueEntry entry) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).readValue(natsEntry);
	}

	/**
	 * Two reads at the stream leader and one revision-checked write (see
	 * {@link NatsBucket#writeValue}).
	 */
	@Override
	public CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).writeValue(natsEntry, value);
	}

	@Override
	public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).convert(natsEntry, mode, waitIfBusy);
	}

	@Override
	public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
		NatsQueueEntry natsEntry = NatsBucket.entry(entry);
		return bucketOf(natsEntry).cancelConversion(natsEntry, heldMode);
	}

	/**
	 * Ends the session: its heartbeat is deleted, so that entries left behind (a removal
	 * that failed) stop blocking others as soon as a waiter asks about them. Idempotent.
	 */
	@Override
	public void close() {
		SessionHeartbeat current;
		synchronized (this.monitor) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			current = this.heartbeat;
		}
		synchronized (this.entries) {
			this.entries.clear();
		}
		if (current != null) {
			end(current);
		}
	}

	private void end(SessionHeartbeat ended) {
		ended.markDead();
		this.live.delete(ended.id()).whenComplete((ack, failure) -> {
			if (failure != null) {
				logger.debug("Deleting the heartbeat of a closed NATS lock session failed (it expires): {}",
						failure.toString());
			}
		});
	}

	private NatsBucket bucketOf(AcquireRequest request) {
		return (this.buckets.size() == 1) ? this.buckets.get(0)
				: this.buckets.get(KeyDigest.shard(KeyCodec.encode(request.key()), this.buckets.size()));
	}

	private NatsBucket bucketOf(NatsQueueEntry entry) {
		return entry.bucket();
	}

}
