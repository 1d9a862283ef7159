package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import dev.dlock.support.TimeSource;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session on etcd: one lease that every entry of the session is attached to, renewed
 * only by {@link #renew} (one {@code keepAliveOnce} per round).
 * <p>
 * The engine counts an entry valid for a lease time from the moment its enqueue was sent,
 * but the entry is attached to a lease whose last keep-alive may be older. So the server
 * TTL is a third longer than the lease time, and an enqueue only uses the lease while it is
 * proved alive for a full lease time from the call; otherwise it first sends one
 * keep-alive (or grants a fresh lease if the old one is gone). A session in steady use is
 * renewed by the engine often enough that an uncontended acquire is one transaction.
 */
final class EtcdLockSession implements LockSession {

	private static final Logger logger = LoggerFactory.getLogger(EtcdLockSession.class);

	/** How many times an enqueue asks for a lease proved long enough before giving up. */
	private static final int LEASE_ATTEMPTS = 3;

	/** The first wait before an enqueue that etcd refused as overloaded is sent again. */
	private static final long FIRST_OVERLOAD_BACKOFF_MILLIS = 10;

	private static final long MAX_OVERLOAD_BACKOFF_MILLIS = 200;

	static final GetOption QUEUE = GetOption.builder()
		.isPrefix(true)
		.withSortField(GetOption.SortTarget.CREATE)
		.withSortOrder(GetOption.SortOrder.ASCEND)
		.build();

	/** The sequencer revision of a snapshot that did not read it. */
	private static final long UNREAD = -1;

	/** The round of an {@link Attempt} that is no conversion. */
	private static final long NO_CONVERSION = -1;

	private static final Op[] NOTHING = new Op[0];

	private static final GetOption KEY_ONLY = GetOption.builder().withKeysOnly(true).build();


	private final Client client;

	private final EtcdLayout layout;

	private final Duration leaseTime;

	private final long leaseNanos;

	private final long ttlSeconds;

	private final Duration requestTimeout;

	private final Duration renewTimeout;

	private final TimeSource time;

	private final Consumer<EtcdLockSession> onClose;

	private final EntrySlots slots;

	private final DepartingEntries departing;

	private final ValueBlocks values;

	/** Withdrawals of unanswered enqueues that etcd has not confirmed yet, by entry key. */
	private final Map<ByteSequence, Withdrawal> withdrawals = new ConcurrentHashMap<>();

	private final Object leaseMonitor = new Object();

	// guarded by leaseMonitor
	private @Nullable SessionLease lease;

	private @Nullable CompletableFuture<SessionLease> leaseRefresh;

	private volatile boolean closed;

	EtcdLockSession(Client client, EtcdLayout layout, DepartingEntries departing, ValueBlocks values,
			Duration leaseTime, Duration requestTimeout, TimeSource time, Consumer<EtcdLockSession> onClose) {
		this.client = client;
		this.layout = layout;
		this.slots = new EntrySlots(layout);
		this.departing = departing;
		this.values = values;
		this.leaseTime = leaseTime;
		this.leaseNanos = leaseTime.toNanos();
		this.ttlSeconds = serverTtlSeconds(leaseTime);
		this.requestTimeout = requestTimeout;
		this.renewTimeout = (leaseTime.compareTo(requestTimeout) < 0) ? leaseTime : requestTimeout;
		this.time = time;
		this.onClose = onClose;
	}

	/**
	 * The TTL to ask etcd for: the lease time and a third more, in whole seconds rounded
	 * up. etcd raises TTLs under its minimum (2 s by default) on its own.
	 */
	static long serverTtlSeconds(Duration leaseTime) {
		long nanos = leaseTime.toNanos();
		long withMargin = nanos + nanos / 3;
		return Math.max(1, (withMargin + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
	}

	/** Starts granting the first lease, so that the first enqueue rarely waits for it. */
	void start() {
		leaseFor(this.time.nanoTime(), 1).exceptionally((failure) -> {
			logger.debug("Granting the first etcd session lease failed; the first enqueue tries again: {}",
					EtcdFailures.describe(failure));
			return null;
		});
	}

	@Override
	public Duration leaseTime() {
		return this.leaseTime;
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		long calledAt = this.time.nanoTime();
		return EtcdFailures.mapped(enqueue(request, calledAt, true, FIRST_OVERLOAD_BACKOFF_MILLIS),
				"Enqueueing lock '" + request.key() + "' in mode " + request.mode());
	}

	private CompletableFuture<EnqueueResult> enqueue(AcquireRequest request, long calledAt, boolean leaseRetry,
			long overloadBackoffMillis) {
		// the engine counts the entry valid until (send time + lease time), and the send
		// time is before calledAt: the lease must live at least that long on the server
		boolean marked = ValueBlocks.isWriting(request.mode());
		return leaseFor(calledAt + this.leaseNanos, LEASE_ATTEMPTS)
			.thenCompose((sessionLease) -> retentionLeaseIf(marked).thenCompose((retentionLease) -> enqueueTxn(request,
					sessionLease, retentionLease, calledAt).exceptionallyCompose((failure) -> {
				if (leaseRetry && EtcdFailures.isLeaseNotFound(failure)) {
					// the txn wrote nothing; take a fresh lease (the session's, unless it was the
					// value lease that etcd no longer has) and try once more
					CompletableFuture<Boolean> retentionGone = marked
							? this.values.retention().checkGone(retentionLease) : CompletableFuture.completedFuture(false);
					return retentionGone.thenCompose((gone) -> {
						if (!gone) {
							sessionLease.markDead();
						}
						return enqueue(request, calledAt, false, overloadBackoffMillis);
					});
				}
				long retryAt = this.time.nanoTime() + TimeUnit.MILLISECONDS.toNanos(overloadBackoffMillis);
				if (EtcdFailures.isTooManyRequests(failure) && retryAt - (calledAt + this.requestTimeout.toNanos()) < 0) {
					// refused before it was proposed (a burst outran etcd's apply): try again
					// shortly, within the request timeout
					CompletableFuture<Void> backoff = new CompletableFuture<>();
					this.time.schedule(Duration.ofMillis(overloadBackoffMillis), () -> backoff.complete(null));
					return backoff.thenCompose((waited) -> enqueue(request, calledAt, leaseRetry,
								Math.min(overloadBackoffMillis * 2, MAX_OVERLOAD_BACKOFF_MILLIS)));
				}
				return CompletableFuture.failedFuture(failure);
			})));
	}

	/** The value lease's id when an operation writes a mark, else 0 (and nothing asked). */
	private CompletableFuture<Long> retentionLeaseIf(boolean needed) {
		return needed ? this.values.retention().id() : CompletableFuture.completedFuture(0L);
	}

	/**
	 * One transaction: delete the backend's entries of the resource whose removal is under
	 * way (see {@link DepartingEntries}), create the entry under the lease unless it exists
	 * or was withdrawn, with its writer mark in {@code PW} and {@code EX} (see
	 * {@link ValueBlocks}), and read the resource's queue in ticket order, in the same
	 * snapshot.
	 */
	private CompletableFuture<EnqueueResult> enqueueTxn(AcquireRequest request, SessionLease sessionLease,
			long retentionLease, long calledAt) {
		EtcdQueueEntry claim = this.slots.claim(request);
		ByteSequence key = claim.key();
		EtcdLayout.ResourceKeys resource = this.layout.resourceKeys(request.key());
		ByteSequence prefix = resource.prefix();
		PutOption put = PutOption.builder().withLeaseId(sessionLease.id()).build();
		List<Op> writes = new ArrayList<>();
		this.departing.of(prefix)
			.stream()
			.filter((departing) -> !departing.key().equals(key))
			.forEach((departing) -> writes.add(deleteIfStill(departing.key(), departing.ticket())));
		writes.add(Op.put(key, this.layout.entryValue(request), put));
		if (retentionLease != 0) {
			writes.addAll(this.values.markNewEntry(key, retentionLease));
		}
		writes.add(Op.put(resource.sequencer(), ByteSequence.EMPTY, put));
		writes.add(Op.get(prefix, QUEUE));
		CompletableFuture<TxnResponse> txn = this.client.getKVClient()
			.txn()
			.If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
					new Cmp(claim.withdrawalMark(), Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
			.Then(writes.toArray(Op[]::new))
			.Else(Op.get(prefix, QUEUE))
			.commit();
		return timed(txn, this.requestTimeout).whenComplete((response, failure) -> {
			if (failure != null && !EtcdFailures.wroteNothing(failure)) {
				// it may still be applied (etcd refuses a txn with an unknown lease, or when
				// overloaded, as a whole, and the enqueue is tried again)
				unknownOutcome(request, claim, sessionLease);
			}
		}).thenCompose((response) -> {
			if (!response.isSucceeded()) {
				// an earlier attempt of this txn (a retry inside the client) may have created it
				unknownOutcome(request, claim, sessionLease);
				return CompletableFuture.failedFuture(new IllegalStateException("the entry key is already taken"));
			}
			this.slots.answered(request);
			// the read is the last operation (the nested deletes answer as transactions)
			List<KeyValue> queue = response.getGetResponses().get(0).getKvs();
			long ticket = EtcdLayout.ticketOf(queue, key);
			// the transaction wrote the sequencer: its mod revision is the transaction's
			long revision = response.getHeader().getRevision();
			QueueSnapshot snapshot = QueueSnapshot.of(queue, revision, revision);
			QueueSnapshot.Member own = snapshot.find(key, ticket);
			if (own == null) {
				return CompletableFuture.failedFuture(new IllegalStateException("the new entry is not in the queue"));
			}
			QueueSnapshot.Member blocker = snapshot.blockerOfRequest(own);
			EtcdQueueEntry entry = claim.created(ticket, sessionLease,
					EtcdQueueEntry.Observation.of(snapshot.revision(), slotOf(blocker)), calledAt + this.leaseNanos);
			if (blocker == null) {
				entry.remember(snapshot);
				this.slots.created(entry);
				return CompletableFuture.completedFuture(new EnqueueResult(entry, QueueState.GRANTED));
			}
			if (request.waitIfBusy()) {
				this.slots.created(entry);
				return CompletableFuture.completedFuture(new EnqueueResult(entry, waiting()));
			}
			// a try that would wait: take the entry out again before answering. Compare
			// first is impossible here (jetcd's Cmp has no range, and modes live in values),
			// so a busy try costs a second txn; an uncontended one stays a single txn.
			return deleteEntry(this.layout.resourceKeysOf(key).sequencer(), key, ticket, true).thenApply((deleted) -> {
				this.slots.free(request);
				return EnqueueResult.rejected();
			});
		});
	}

	/**
	 * An enqueue whose outcome is unknown (no reply in time, or a broken connection) may be
	 * applied by etcd at any time later, also after the engine withdrew the request, and
	 * would then stay under a lease that lives on for the session's other entries: a lock
	 * held by nobody. So the session withdraws it at once and for good: one transaction
	 * deletes the entry and writes the slot's withdrawal mark, which the enqueue's guard
	 * checks. Whichever etcd applies first, no entry remains. Until etcd confirms it, the
	 * withdrawal is sent again with every renewal and every removal of the request. The
	 * slot is never used again by the session; the mark goes with the enqueue's lease.
	 */
	private void unknownOutcome(AcquireRequest request, EtcdQueueEntry claim, SessionLease sessionLease) {
		this.slots.unanswered(request);
		Withdrawal withdrawal = new Withdrawal(request, claim, sessionLease);
		if (this.withdrawals.putIfAbsent(claim.key(), withdrawal) == null) {
			withdrawInBackground(withdrawal);
		}
	}

	private void withdrawInBackground(Withdrawal withdrawal) {
		withdraw(withdrawal).exceptionally((failure) -> {
			logger.debug("Withdrawing an unanswered enqueue of lock '{}' ({}) failed; trying again later: {}",
					withdrawal.request().key(), withdrawal.request().mode(), EtcdFailures.describe(failure));
			return null;
		});
	}

	/** Sends a withdrawal; completes once etcd confirmed it, or its lease is gone. */
	private CompletableFuture<Void> withdraw(Withdrawal withdrawal) {
		if (withdrawal.lease().isDead() || this.closed) {
			// etcd deleted whatever the lease had, and refuses the enqueue that names it
			withdrawn(withdrawal);
			return CompletableFuture.completedFuture(null);
		}
		PutOption put = PutOption.builder().withLeaseId(withdrawal.lease().id()).build();
		ByteSequence entryKey = withdrawal.claim().key();
		CompletableFuture<TxnResponse> txn = this.client.getKVClient()
			.txn()
			.Then(Op.delete(entryKey, DeleteOption.DEFAULT),
					Op.put(withdrawal.claim().withdrawalMark(), ByteSequence.EMPTY, put), unmarkIfThere(entryKey))
			.commit();
		return timed(txn, this.requestTimeout, (late) -> withdrawn(withdrawal)).handle((response, failure) -> {
			if (failure != null && !EtcdFailures.isLeaseNotFound(failure)) {
				throw EtcdFailures.propagate(failure);
			}
			withdrawn(withdrawal);
			return null;
		});
	}

	private void withdrawn(Withdrawal withdrawal) {
		this.withdrawals.remove(withdrawal.claim().key(), withdrawal);
	}

	/** Sends the withdrawals that etcd has not confirmed yet. */
	private void retryWithdrawals() {
		this.withdrawals.values().forEach(this::withdrawInBackground);
	}

	/**
	 * A request: one read of the resource's queue; a flagged request that may be granted
	 * also writes its entry, whose new mod revision is its token. A conversion: see
	 * {@link #convert}.
	 */
	@Override
	public CompletableFuture<QueueState> poll(QueueEntry queueEntry) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		AcquireRequest request = entry.request();
		long deadline = this.time.nanoTime() + this.requestTimeout.toNanos();
		long round = entry.conversionRound();
		LockMode target = entry.converting();
		CompletableFuture<QueueState> state;
		if (target != null) {
			Attempt attempt = new Attempt(entry, round, deadline);
			state = readQueue(entry).thenCompose((snapshot) -> pollConversion(attempt, target, snapshot))
				.whenComplete((result, failure) -> {
					if (result != null && result.status() != QueueState.Status.WAITING) {
						entry.endConversion(round);
					}
				});
		}
		else {
			Attempt attempt = new Attempt(entry, NO_CONVERSION, deadline);
			state = timed(this.client.getKVClient().get(this.layout.resourcePrefix(request.key()), QUEUE),
					this.requestTimeout)
				.thenCompose((response) -> pollRequest(attempt, QueueSnapshot.of(response.getKvs(),
						response.getHeader().getRevision(), UNREAD)));
		}
		return EtcdFailures.mapped(state, "Polling lock '" + request.key() + "' in mode "
				+ ((target != null) ? request.mode() + " converting to " + target : request.mode()));
	}

	private CompletableFuture<QueueState> pollRequest(Attempt attempt, QueueSnapshot snapshot) {
		EtcdQueueEntry entry = attempt.entry();
		QueueSnapshot.Member own = snapshot.find(entry.key(), entry.ticket());
		if (own == null) {
			forgetGone(entry);
			return CompletableFuture.completedFuture(QueueState.GONE);
		}
		if (own.state().drawn()) {
			// granted by an earlier poll whose reply was lost: its write drew the token
			return CompletableFuture.completedFuture(QueueState.granted(own.modRevision()));
		}
		QueueSnapshot.Member blocker = snapshot.blockerOfRequest(own);
		entry.observed(EtcdQueueEntry.Observation.of(snapshot.revision(), slotOf(blocker)));
		if (blocker != null) {
			return CompletableFuture.completedFuture(waiting());
		}
		if (!own.state().flagged()) {
			return CompletableFuture.completedFuture(QueueState.GRANTED);
		}
		// granted after a conversion on its resource: the write that takes the flag away
		// draws the token, and flags the other waiting requests, as a conversion's grant does:
		// one with a smaller ticket, granted after this grant ended, must not show a smaller
		// token. Guarded by the sequencer, so that a request enqueued since the read is seen;
		// a plain poll's read has no sequencer revision, so this rare path reads again with one.
		if (snapshot.sequence() <= 0) {
			return readQueue(entry).thenCompose((fresh) -> pollRequest(attempt, fresh));
		}
		List<Write> writes = new ArrayList<>();
		writes.add(new Write(own, own.state().drawnIn(own.grantedMode())));
		snapshot.waiting()
			.stream()
			.filter((waiter) -> waiter != own && !waiter.state().flagged())
			.forEach((waiter) -> writes.add(new Write(waiter, waiter.state().withFlag())));
		Plan draw = new Plan(writes, List.of(), true, QueueState::granted);
		return commit(attempt, draw, snapshot, (fresh) -> pollRequest(attempt, fresh));
	}

	private CompletableFuture<QueueState> pollConversion(Attempt attempt, LockMode target, QueueSnapshot snapshot) {
		EtcdQueueEntry entry = attempt.entry();
		QueueSnapshot.Member own = snapshot.find(entry.key(), entry.ticket());
		if (own == null) {
			forgetGone(entry);
			return CompletableFuture.completedFuture(QueueState.GONE);
		}
		if (own.state().target() == null) {
			if (own.state().explicit() && own.state().mode() == target) {
				// granted by an earlier poll whose reply was lost: its write drew the token
				return CompletableFuture.completedFuture(QueueState.granted(own.modRevision()));
			}
			return CompletableFuture
				.failedFuture(new IllegalStateException("no conversion to " + target + " is pending"));
		}
		QueueSnapshot.Member blocker = snapshot.blockerOfPendingConversion(own);
		entry.observed(EtcdQueueEntry.Observation.of(snapshot.revision(), slotOf(blocker)));
		if (blocker != null) {
			return CompletableFuture.completedFuture(waiting());
		}
		return commit(attempt, grant(snapshot, own, target), snapshot,
				(fresh) -> pollConversion(attempt, target, fresh));
	}

	/**
	 * One transaction on the entry guarded by the resource's sequencer: a down-conversion,
	 * or an up-conversion that nothing blocks, writes the entry granted in the new mode, its
	 * mod revision being the new token, and flags every waiting request in the same
	 * transaction; an up-conversion that must wait writes the entry converting (its mod
	 * revision is its place in the conversion queue), and makes explicit every granted entry
	 * it conflicts with. A refused conversion writes nothing. When the queue changed since
	 * the snapshot the decision was made on, the transaction reads it instead, and the
	 * decision is made again.
	 * <p>
	 * The snapshot is the last one the session knows for the entry ({@link EtcdQueueEntry#known()}:
	 * from its enqueue, its last read with the sequencer, or its last guarded write), when
	 * the conversion is granted on it: then a conversion is one transaction. Otherwise it
	 * is read first, as a stale snapshot may show blockers that are gone. This is sound
	 * because the guard compares the sequencer's mod revision: while it is the snapshot's,
	 * nothing was enqueued, converted or released on the resource (every enqueue and
	 * conversion writes the sequencer, every release deletes it), and every write since
	 * only weakened the queue: a lease that ended, an unanswered enqueue withdrawn, a
	 * conversion withdrawn by {@link #cancelConversion} (it only puts back a mode the entry's
	 * current one covers), each deleting an entry or weakening one. Weakening never makes a
	 * grant on the snapshot wrong but in one way: a waiting request may be granted by it,
	 * with no write of its own. So the transaction also compares one blocker of every
	 * waiting request that would conflict with the new mode ({@link QueueSnapshot#blockersToKeep}),
	 * and every entry it writes, so that none is revived. Flagging every waiting request the
	 * snapshot shows then flags every one there is: a request starts to wait only by an
	 * enqueue, and an entry granted in the snapshot could look waiting only behind a new
	 * pending conversion, both of which write the sequencer. The table of every write is
	 * in docs/backends/etcd.md.
	 */
	@Override
	public CompletableFuture<QueueState> convert(QueueEntry queueEntry, LockMode mode, boolean waitIfBusy) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		AcquireRequest request = entry.request();
		Attempt attempt = new Attempt(entry, entry.startConversion(mode),
				this.time.nanoTime() + this.requestTimeout.toNanos());
		Function<QueueSnapshot, CompletableFuture<QueueState>> decide = (snapshot) -> convert(attempt, mode,
				waitIfBusy, snapshot);
		QueueSnapshot known = entry.known();
		Plan atOnce = (known != null) ? grantOn(known, entry, mode) : null;
		CompletableFuture<QueueState> decided = (known != null && atOnce != null)
				? commit(attempt, atOnce, known, decide) : readQueue(entry).thenCompose(decide);
		CompletableFuture<QueueState> state = decided.whenComplete((result, failure) -> {
			if (result == null || result.status() != QueueState.Status.WAITING) {
				entry.endConversion(attempt.round());
			}
		});
		return EtcdFailures.mapped(state, "Converting lock '" + request.key() + "' to mode " + mode);
	}

	/**
	 * The grant of a conversion decided on a snapshot the session already has, or
	 * {@code null} when that snapshot does not grant it (the entry waits or is refused
	 * there, or is not granted): then only a fresh read may decide.
	 */
	private static @Nullable Plan grantOn(QueueSnapshot known, EtcdQueueEntry entry, LockMode target) {
		QueueSnapshot.Member own = known.find(entry.key(), entry.ticket());
		if (own == null || !own.isGranted() || own.state().target() != null
				|| known.blockerOfNewConversion(own, target) != null) {
			return null;
		}
		return grant(known, own, target);
	}

	private CompletableFuture<QueueState> convert(Attempt attempt, LockMode target, boolean waitIfBusy,
			QueueSnapshot snapshot) {
		EtcdQueueEntry entry = attempt.entry();
		QueueSnapshot.Member own = snapshot.find(entry.key(), entry.ticket());
		if (own == null) {
			forgetGone(entry);
			return CompletableFuture.completedFuture(QueueState.GONE);
		}
		if (!own.isGranted()) {
			return CompletableFuture.failedFuture(new IllegalStateException("only a granted lock converts"));
		}
		QueueSnapshot.Member blocker = snapshot.blockerOfNewConversion(own, target);
		Plan plan;
		if (blocker == null) {
			plan = grant(snapshot, own, target);
		}
		else if (snapshot.closesCycle(own, target)) {
			return CompletableFuture.completedFuture(QueueState.DEADLOCK);
		}
		else if (!waitIfBusy) {
			return CompletableFuture.completedFuture(QueueState.REJECTED);
		}
		else {
			List<Write> writes = new ArrayList<>();
			writes.add(new Write(own, own.state().grantedIn(own.grantedMode()).converting(target)));
			snapshot.plainGrantedConflictingWith(target)
				.stream()
				.filter((other) -> other.ticket() != own.ticket())
				.forEach((other) -> writes.add(new Write(other, other.state().frozen())));
			entry.observed(EtcdQueueEntry.Observation.of(snapshot.revision(), blocker.slot()));
			plan = new Plan(writes, snapshot.blockersToKeep(own, target), true, (revision) -> waiting());
		}
		return commit(attempt, plan, snapshot, (fresh) -> convert(attempt, target, waitIfBusy, fresh));
	}

	/**
	 * Grants a conversion: the entry in its new mode, and every waiting request flagged;
	 * the blockers of the waiting requests that conflict with the new mode are compared.
	 */
	private static Plan grant(QueueSnapshot snapshot, QueueSnapshot.Member own, LockMode target) {
		List<Write> writes = new ArrayList<>();
		writes.add(new Write(own, own.state().grantedIn(target)));
		snapshot.waiting()
			.stream()
			.filter((waiter) -> !waiter.state().flagged())
			.forEach((waiter) -> writes.add(new Write(waiter, waiter.state().withFlag())));
		return new Plan(writes, snapshot.blockersToKeep(own, target), true, QueueState::granted);
	}

	/**
	 * One read of the entry, then one transaction that puts it back in {@code heldMode},
	 * compared to the mod revision read, unless it is gone. A conversion under way stops
	 * first: it sends nothing more, and what it sent compares the entry's mod revision,
	 * which this write changes. Only a withdrawal that weakens the entry is written: a
	 * conversion granted meanwhile to a mode that does not cover {@code heldMode} (a
	 * down-conversion, or {@code PR} and {@code CW}, which cover neither the other) may have
	 * let others in, so going back would be an up-conversion granted without asking; it
	 * fails.
	 */
	@Override
	public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry queueEntry, LockMode heldMode) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		entry.withdrawConversion();
		// the write below changes the entry: a conversion decided on the snapshot would fail
		entry.forgetKnown();
		long deadline = this.time.nanoTime() + this.requestTimeout.toNanos();
		CompletableFuture<@Nullable LockMode> cancelled = timed(this.client.getKVClient().get(entry.key()), this.requestTimeout)
			.thenCompose((response) -> putBack(entry, heldMode, response.getKvs(), deadline));
		return EtcdFailures.mapped(cancelled, "Withdrawing the conversion of lock '" + entry.request().key() + "'");
	}

	private CompletableFuture<@Nullable LockMode> putBack(EtcdQueueEntry entry, LockMode heldMode,
			List<KeyValue> read, long deadline) {
		if (read.isEmpty() || read.get(0).getCreateRevision() != entry.ticket() || entry.lease().isDead()) {
			return CompletableFuture.completedFuture(null);
		}
		KeyValue kv = read.get(0);
		EntryState state = EntryState.parse(kv.getValue());
		if (!state.mode().covers(heldMode)) {
			// converted meanwhile to a mode that does not cover the old one: going back would
			// be a conversion of its own, which others may conflict with; the entry keeps it
			return CompletableFuture.completedFuture(state.mode());
		}
		if (this.time.nanoTime() - deadline >= 0) {
			return CompletableFuture.failedFuture(
					new IllegalStateException("the entry kept changing for longer than the request timeout"));
		}
		PutOption put = PutOption.builder().withLeaseId(kv.getLease()).build();
		EntryState back = state.grantedIn(heldMode);
		// back to a mode the current one covers: a writing mode only if it had one, marked then
		List<Op> writes = new ArrayList<>(List.of(Op.put(kv.getKey(), back.toValue(), put)));
		remark(kv.getKey(), entry.ticket(), state, back, 0).ifPresent(writes::add);
		CompletableFuture<TxnResponse> txn = this.client.getKVClient()
			.txn()
			.If(new Cmp(kv.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
			.Then(writes.toArray(Op[]::new))
			.Else(Op.get(kv.getKey(), GetOption.DEFAULT))
			.commit();
		return timed(txn, this.requestTimeout).handle((response, failure) -> {
			if (failure != null) {
				// a lease etcd no longer has took the entry with it
				return EtcdFailures.isLeaseNotFound(failure) ? CompletableFuture.<@Nullable LockMode>completedFuture(null)
						: CompletableFuture.<@Nullable LockMode>failedFuture(failure);
			}
			return response.isSucceeded() ? CompletableFuture.<@Nullable LockMode>completedFuture(heldMode)
					: putBack(entry, heldMode, response.getGetResponses().get(0).getKvs(), deadline);
		}).thenCompose(Function.identity());
	}

	/**
	 * One read of the resource's queue and its sequencer, which it writes first while the
	 * entry exists: so the snapshot shows a sequencer revision that no later write can bring
	 * back (a deleted and written again sequencer gets a new one), which a guard can compare.
	 */
	private CompletableFuture<QueueSnapshot> readQueue(EtcdQueueEntry entry) {
		EtcdLayout.ResourceKeys keys = this.layout.resourceKeysOf(entry.key());
		CompletableFuture<TxnResponse> txn = this.client.getKVClient().txn().Then(readOps(entry, keys)).commit();
		return timed(txn, this.requestTimeout)
			.thenApply((response) -> snapshotOf(entry, response, response.getHeader().getRevision()));
	}

	private static Cmp entryExists(EtcdQueueEntry entry) {
		return new Cmp(entry.key(), Cmp.Op.EQUAL, CmpTarget.createRevision(entry.ticket()));
	}

	/**
	 * The read of {@link #readQueue} as the operations of a transaction's other branch: the
	 * sequencer written while the entry exists (one nested operation), then the queue and the
	 * sequencer read, which see that write as the rest of the transaction does.
	 */
	private static Op[] readOps(EtcdQueueEntry entry, EtcdLayout.ResourceKeys keys) {
		Op writeSequencer = Op.txn(new Cmp[] { entryExists(entry) },
				new Op[] { Op.put(keys.sequencer(), ByteSequence.EMPTY, leased(entry.lease().id())) }, NOTHING);
		return new Op[] { writeSequencer, Op.get(keys.prefix(), QUEUE), Op.get(keys.sequencer(), KEY_ONLY) };
	}

	/**
	 * The snapshot of the {@link #readOps} of a transaction (at its revision), which the
	 * entry remembers.
	 */
	private QueueSnapshot snapshotOf(EtcdQueueEntry entry, TxnResponse read, long revision) {
		List<KeyValue> sequencer = read.getGetResponses().get(1).getKvs();
		QueueSnapshot snapshot = QueueSnapshot.of(read.getGetResponses().get(0).getKvs(), revision,
				sequencer.isEmpty() ? 0 : sequencer.get(0).getModRevision());
		entry.remember(snapshot);
		return snapshot;
	}

	/**
	 * Sends the writes of a plan in one transaction, each compared to the mod revision the
	 * snapshot showed (so that none revives a deleted entry), with the entries the plan
	 * keeps compared too, and, when the plan is guarded, the sequencer compared and written:
	 * then no entry was created or converted since the snapshot, and the queue the
	 * transaction leaves is the snapshot with the writes, up to writes that only weaken,
	 * which the entry keeps for its next conversion. If a compare fails the transaction
	 * reads the queue instead, as {@link #readQueue} does (so a failed guard costs no more
	 * than a read first would have), and {@code again} decides on that. Gives up after the
	 * request timeout, and sends nothing for a conversion that was withdrawn meanwhile.
	 */
	private CompletableFuture<QueueState> commit(Attempt attempt, Plan plan, QueueSnapshot snapshot,
			Function<QueueSnapshot, CompletableFuture<QueueState>> again) {
		EtcdQueueEntry entry = attempt.entry();
		if (!attempt.isCurrent()) {
			return CompletableFuture.failedFuture(new CancellationException("the conversion was withdrawn"));
		}
		if (this.time.nanoTime() - attempt.deadline() >= 0) {
			return CompletableFuture.failedFuture(
					new IllegalStateException("the queue kept changing for longer than the request timeout"));
		}
		if (plan.guarded() && snapshot.sequence() <= 0) {
			return CompletableFuture.failedFuture(new IllegalStateException("no sequencer revision to compare"));
		}
		boolean marks = plan.writes()
			.stream()
			.anyMatch((write) -> !ValueBlocks.isWriting(write.member().state()) && ValueBlocks.isWriting(write.state()));
		return retentionLeaseIf(marks)
			.thenCompose((retentionLease) -> commit(attempt, plan, snapshot, again, retentionLease));
	}

	/**
	 * {@link #commit(Attempt, Plan, QueueSnapshot, Function)} with the value lease (or 0)
	 * for the writer marks of entries that get a writing mode; an entry that loses its
	 * writing modes loses its mark in the same transaction.
	 */
	private CompletableFuture<QueueState> commit(Attempt attempt, Plan plan, QueueSnapshot snapshot,
			Function<QueueSnapshot, CompletableFuture<QueueState>> again, long retentionLease) {
		EtcdQueueEntry entry = attempt.entry();
		if (!attempt.isCurrent()) {
			// withdrawn while the value lease was granted
			return CompletableFuture.failedFuture(new CancellationException("the conversion was withdrawn"));
		}
		ReadBranch read = readBranchOf(entry);
		ByteSequence sequencer = read.sequencer();
		List<Cmp> compares = new ArrayList<>();
		List<Op> writes = new ArrayList<>();
		Map<Long, EntryState> written = new HashMap<>();
		for (Write write : plan.writes()) {
			QueueSnapshot.Member member = write.member();
			compares.add(unchanged(member));
			writes.add(Op.put(member.key(), write.state().toValue(), leased(member.lease())));
			written.put(member.ticket(), write.state());
			remark(member.key(), member.ticket(), member.state(), write.state(), retentionLease).ifPresent(writes::add);
		}
		plan.kept()
			.stream()
			.filter((member) -> !written.containsKey(member.ticket()))
			.forEach((member) -> compares.add(unchanged(member)));
		if (plan.guarded()) {
			compares.add(new Cmp(sequencer, Cmp.Op.EQUAL, CmpTarget.modRevision(snapshot.sequence())));
			writes.add(Op.put(sequencer, ByteSequence.EMPTY, leased(entry.lease().id())));
		}
		CompletableFuture<TxnResponse> txn = this.client.getKVClient()
			.txn()
			.If(compares.toArray(Cmp[]::new))
			.Then(writes.toArray(Op[]::new))
			.Else(read.operations())
			.commit();
		return timed(txn, this.requestTimeout).handle((response, failure) -> {
			if (failure != null) {
				if (!EtcdFailures.isLeaseNotFound(failure)) {
					return CompletableFuture.<QueueState>failedFuture(failure);
				}
				// an entry's lease ended after the read: the next read no longer shows it; or
				// the value lease is gone, and the next attempt takes a new one
				CompletableFuture<Boolean> checked = (retentionLease != 0)
						? this.values.retention().checkGone(retentionLease) : CompletableFuture.completedFuture(false);
				return checked.thenCompose((gone) -> readQueue(entry)).thenCompose(again);
			}
			if (!response.isSucceeded()) {
				QueueSnapshot fresh = snapshotOf(entry, response, response.getHeader().getRevision());
				// no sequencer only when the entry is gone (else the read wrote it), which the
				// decision finds; a guard never compares an absent sequencer
				return again.apply(fresh);
			}
			long revision = response.getHeader().getRevision();
			if (plan.guarded()) {
				entry.remember(snapshot.afterWrites(written, revision));
			}
			return CompletableFuture.completedFuture(plan.outcome().apply(revision));
		}).thenCompose(Function.identity());
	}

	/**
	 * The write of an entry's writer mark when a write of the entry changes whether it may be
	 * granted in {@code PW} or {@code EX} (see {@link ValueBlocks}), or none.
	 */
	private Optional<Op> remark(ByteSequence key, long ticket, EntryState from, EntryState to, long retentionLease) {
		boolean was = ValueBlocks.isWriting(from);
		boolean is = ValueBlocks.isWriting(to);
		if (was == is) {
			return Optional.empty();
		}
		return Optional.of(is ? this.values.mark(key, ticket, retentionLease) : this.values.unmark(key));
	}

	/** The entry's read branch, built once. */
	private ReadBranch readBranchOf(EtcdQueueEntry entry) {
		ReadBranch read = entry.readBranch();
		if (read == null) {
			EtcdLayout.ResourceKeys keys = this.layout.resourceKeysOf(entry.key());
			read = new ReadBranch(keys.sequencer(), readOps(entry, keys));
			entry.readBranch(read);
		}
		return read;
	}

	/**
	 * Deletes an entry and its writer mark (a clean removal), as a nested transaction, only
	 * if it is still the one with this create revision.
	 */
	private Op deleteIfStill(ByteSequence key, long ticket) {
		return Op.txn(new Cmp[] { new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(ticket)) },
				new Op[] { Op.delete(key, DeleteOption.DEFAULT), this.values.unmark(key) }, NOTHING);
	}

	/**
	 * Deletes the writer mark of an entry key, as a nested transaction, if the entry exists
	 * (compared before the transaction's own delete of it): then the mark is the entry's;
	 * otherwise it may be a mark that a lost entry of the same key left.
	 */
	private Op unmarkIfThere(ByteSequence key) {
		return Op.txn(new Cmp[] { new Cmp(key, Cmp.Op.GREATER, CmpTarget.createRevision(0)) },
				new Op[] { this.values.unmark(key) }, NOTHING);
	}

	/** Compares an entry's mod revision to the snapshot's: it is still there, as it was. */
	private static Cmp unchanged(QueueSnapshot.Member member) {
		return new Cmp(member.key(), Cmp.Op.EQUAL, CmpTarget.modRevision(member.modRevision()));
	}

	private static PutOption leased(long leaseId) {
		return PutOption.builder().withLeaseId(leaseId).build();
	}

	private static QueueSnapshot.@Nullable Slot slotOf(QueueSnapshot.@Nullable Member member) {
		return (member != null) ? member.slot() : null;
	}

	/**
	 * The watch is reliable (with its gap read, no delete after the snapshot is missed), so
	 * a re-check after about a lease time is enough; the engine caps it further.
	 */
	private QueueState waiting() {
		return QueueState.waiting(this.leaseTime);
	}

	/**
	 * Watches the blocking entry for its deletion or a write that changes how it blocks (a
	 * down-conversion, a withdrawn or granted conversion), without losing one that happened
	 * after the snapshot the last enqueue, poll or conversion saw.
	 * <p>
	 * A watch that starts at a past revision is "unsynced" in etcd and gets its events only
	 * on the next sync tick, up to 100 ms later; on a store with other writes that is almost
	 * every watch. So the watch starts at the current revision (synced, events at once), and
	 * if its start revision turns out to be later than the snapshot's, one read of the
	 * blocker covers the gap in between.
	 */
	@Override
	public Subscription watch(QueueEntry queueEntry, Runnable onChange) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		EtcdQueueEntry.Observation observed = entry.observed();
		QueueSnapshot.Slot blocker = observed.blocker();
		if (blocker == null || this.closed) {
			// nothing to wait for (or nothing to watch with): the engine's re-check covers it
			return () -> {
			};
		}
		AtomicBoolean active = new AtomicBoolean(true);
		Runnable signal = () -> {
			if (active.get()) {
				onChange.run();
			}
		};
		WatchOption fromNow = WatchOption.builder().withCreateNotify(true).build();
		Watch.Watcher watcher;
		try {
			watcher = this.client.getWatchClient().watch(blocker.key(), fromNow, new Watch.Listener() {

				@Override
				public void onNext(WatchResponse response) {
					if (response.isCreatedNotify()) {
						// events after this revision come through the watch; also after a
						// reconnect, which creates the watch again
						if (response.getHeader().getRevision() > observed.revision()) {
							checkStillThere(blocker, signal);
						}
						return;
					}
					for (WatchEvent event : response.getEvents()) {
						if (event.getEventType() == WatchEvent.EventType.DELETE
								|| changedSince(blocker, event.getKeyValue())) {
							signal.run();
							return;
						}
					}
				}

				@Override
				public void onError(Throwable failure) {
					// compaction or a broken stream: a poll takes a new snapshot and a new watch
					signal.run();
				}

				@Override
				public void onCompleted() {
					signal.run();
				}

			});
		}
		catch (RuntimeException ex) {
			logger.debug("Watching the queue of lock '{}' failed; relying on re-checks: {}", entry.request().key(),
					ex.toString());
			return () -> {
			};
		}
		return () -> {
			if (active.compareAndSet(true, false)) {
				watcher.close();
			}
		};
	}

	/**
	 * Signals unless the entry still exists as the snapshot showed it (a linearizable read,
	 * so after the watch began). Its key alone does not tell: the blocker's session may have
	 * deleted it and created a new entry under the same key since, which the watch (it starts
	 * after that) would wait for instead; and a conversion may have changed its value.
	 */
	private void checkStillThere(QueueSnapshot.Slot blocker, Runnable signal) {
		timed(this.client.getKVClient().get(blocker.key(), KEY_ONLY), this.requestTimeout)
			.whenComplete((response, failure) -> {
				if (failure != null || response.getKvs().isEmpty()
						|| response.getKvs().get(0).getCreateRevision() != blocker.ticket()
						|| response.getKvs().get(0).getModRevision() != blocker.modRevision()) {
					signal.run();
				}
			});
	}

	/** Whether a put to the blocker's key is another entry, or blocks in another way. */
	private static boolean changedSince(QueueSnapshot.Slot blocker, KeyValue put) {
		return put.getCreateRevision() != blocker.ticket()
				|| !EntryState.parse(put.getValue()).blocksLike(blocker.state());
	}

	/**
	 * One range read of the resource's queue, resolved as a poll resolves it, without the
	 * entries of tries that wait (they are deleted again at once). It writes nothing and the
	 * entry remembers nothing of it: without the sequencer's revision it could not decide a
	 * conversion. An entry whose lease ended is gone from the read, as etcd deletes it with
	 * its lease.
	 */
	@Override
	public CompletableFuture<List<Queued>> queue(QueueEntry queueEntry) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		String lockKey = entry.request().key();
		CompletableFuture<List<Queued>> queue = timed(
				this.client.getKVClient().get(this.layout.resourcePrefix(lockKey), QUEUE), this.requestTimeout)
			.thenApply((response) -> {
				QueueSnapshot snapshot = QueueSnapshot.of(response.getKvs(), response.getHeader().getRevision(),
						UNREAD);
				return (snapshot.find(entry.key(), entry.ticket()) != null) ? snapshot.lastingQueue() : List.of();
			});
		return EtcdFailures.mapped(queue, "Reading the queue of lock '" + lockKey + "'");
	}

	/** One transaction: the value, the writer marks and the queue (see {@link ValueBlocks}). */
	@Override
	public CompletableFuture<@Nullable LockValue> readValue(QueueEntry queueEntry) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		return EtcdFailures.mapped(this.values.read(entry), "Reading the value of lock '" + entry.request().key() + "'");
	}

	/**
	 * One read and one transaction compared to the entry's mod revision in that read (see
	 * {@link ValueBlocks}).
	 */
	@Override
	public CompletableFuture<Boolean> writeValue(QueueEntry queueEntry, LockValue value) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		return EtcdFailures.mapped(this.values.write(entry, value),
				"Writing the value of lock '" + entry.request().key() + "'");
	}

	/**
	 * Watches the prefix of the entry's resource for puts that start a wait, and hands over
	 * the entry each shows (see {@link QueueWatch}): one etcd watch per call, so only holders
	 * that ask for it pay.
	 */
	@Override
	public Subscription watchQueue(QueueEntry queueEntry, Runnable onChange,
			Consumer<Queued> onWaiting) {
		EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
		if (this.closed) {
			// its entries went with the session's lease: nothing to watch for
			return () -> {
			};
		}
		return QueueWatch.start(this.client.getWatchClient(), this.layout.resourceKeysOf(entry.key()).prefix(),
				entry.request().key(), this.time, onChange, onWaiting);
	}

	/**
	 * Sends one keep-alive per lease of the given entries (normally just the session's
	 * one), or of the session's lease when there are none. Entries of a lease etcd no
	 * longer has are reported lost.
	 * <p>
	 * Entries that the engine stopped renewing (it counted them lost, for example after
	 * renewals failed for a lease time) may still exist under a lease that lives on for the
	 * session's other entries. Such an entry would block others while nobody holds it, so
	 * once it is surely past its validity in the engine it is deleted here.
	 */
	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> queueEntries) {
		long calledAt = this.time.nanoTime();
		Set<EtcdQueueEntry> batch = new HashSet<>();
		Map<SessionLease, List<QueueEntry>> byLease = new HashMap<>();
		for (QueueEntry queueEntry : queueEntries) {
			EtcdQueueEntry entry = (EtcdQueueEntry) queueEntry;
			entry.validBound(calledAt + this.leaseNanos);
			batch.add(entry);
			byLease.computeIfAbsent(entry.lease(), (sessionLease) -> new ArrayList<>()).add(entry);
		}
		SessionLease idle = idleLease(queueEntries);
		if (idle != null) {
			byLease.put(idle, List.of());
		}
		Set<QueueEntry> lost = ConcurrentHashMap.newKeySet();
		CompletableFuture<?>[] rounds = byLease.entrySet().stream().map((group) -> {
			SessionLease sessionLease = group.getKey();
			if (sessionLease.isDead()) {
				lost.addAll(group.getValue());
				return CompletableFuture.completedFuture(null);
			}
			return keepAlive(sessionLease, this.renewTimeout).thenAccept((alive) -> {
				if (!alive) {
					lost.addAll(group.getValue());
				}
			});
		}).toArray(CompletableFuture[]::new);
		CompletableFuture<Set<QueueEntry>> result = CompletableFuture.allOf(rounds).thenApply((done) -> {
			for (QueueEntry entry : lost) {
				// etcd deleted them with their lease
				forgetGone((EtcdQueueEntry) entry);
			}
			if (!lost.isEmpty()) {
				logger.warn("The etcd session lease was lost; {} lock entries are gone with it", lost.size());
			}
			reapAbandoned(batch, calledAt);
			retryWithdrawals();
			return Set.copyOf(lost);
		});
		return EtcdFailures.mapped(result, "Renewing the etcd session lease");
	}

	/** The session's lease when no entry uses it, so that it is kept alive for the next one. */
	private @Nullable SessionLease idleLease(Collection<QueueEntry> queueEntries) {
		if (!queueEntries.isEmpty()) {
			return null;
		}
		synchronized (this.leaseMonitor) {
			SessionLease current = this.lease;
			return (current != null && !current.isDead()) ? current : null;
		}
	}

	/** Deletes entries the engine no longer renews and surely no longer counts valid. */
	private void reapAbandoned(Set<EtcdQueueEntry> renewed, long now) {
		for (EtcdQueueEntry entry : this.slots.entries()) {
			if (renewed.contains(entry)) {
				continue;
			}
			if (entry.lease().isDead()) {
				forgetGone(entry);
			}
			else if (entry.isPastValidBound(now)) {
				deleteEntry(this.layout.resourceKeysOf(entry.key()).sequencer(), entry.key(), entry.ticket(), false).whenComplete((deleted, failure) -> {
					if (failure == null) {
						forgetGone(entry);
						logger.debug("Deleted the abandoned entry of lock '{}' ({}) with token {}",
								entry.request().key(), entry.request().mode(), entry.ticket());
					}
				});
			}
		}
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		EtcdQueueEntry claim = this.slots.claimOf(request);
		if (claim == null) {
			// this session has no entry of that owner (never created, or already gone)
			return CompletableFuture.completedFuture(null);
		}
		ByteSequence key = claim.key();
		EtcdQueueEntry known = this.slots.entryOf(request);
		CompletableFuture<Void> removal;
		if (known != null) {
			EtcdLayout.ResourceKeys resource = this.layout.resourceKeysOf(key);
			this.departing.departing(resource.prefix(), key, known.ticket());
			removal = deleteEntry(resource.sequencer(), key, known.ticket(), true)
				.whenComplete((deleted, failure) -> this.departing.settled(key, known.ticket()))
				.thenAccept((deleted) -> forgetGone(known));
		}
		else if (this.slots.isUnanswered(request)) {
			// its enqueue may still be applied: removed once the withdrawal is confirmed
			Withdrawal withdrawal = this.withdrawals.get(key);
			removal = ((withdrawal != null) ? withdraw(withdrawal) : CompletableFuture.<Void>completedFuture(null))
				.thenAccept((withdrawn) -> this.slots.free(request));
		}
		else {
			// no entry is known (its enqueue is under way): one under this request's slot key
			// can only be its own, and so can its mark while it exists; should the enqueue get
			// no answer, it is withdrawn then
			CompletableFuture<TxnResponse> txn = this.client.getKVClient()
				.txn()
				.Then(Op.delete(key, DeleteOption.DEFAULT), unmarkIfThere(key))
				.commit();
			removal = timed(txn, this.requestTimeout).thenAccept((deleted) -> this.slots.free(request));
		}
		return EtcdFailures.mapped(removal, "Removing lock '" + request.key() + "' in mode " + request.mode());
	}

	/** Forgets an entry that is known to be gone from etcd, and frees its key for the session. */
	private void forgetGone(EtcdQueueEntry entry) {
		this.slots.gone(entry);
	}

	/**
	 * Deletes an entry only if it is still the one with this create revision, and the
	 * resource's sequencer with it: a conversion compares only a sequencer revision it saw
	 * written, never its absence, so deleting it is always safe, and it keeps a session from
	 * holding one sequencer under its lease for every lock key it ever used. A clean removal
	 * deletes the entry's writer mark too (while the entry exists, a mark of its key is its
	 * own); an entry the engine counted lost leaves it, so that its value reads as invalid.
	 */
	private CompletableFuture<Void> deleteEntry(ByteSequence sequencer, ByteSequence key, long ticket, boolean clean) {
		Op[] deletes = clean
				? new Op[] { Op.delete(key, DeleteOption.DEFAULT), Op.delete(sequencer, DeleteOption.DEFAULT),
						this.values.unmark(key) }
				: new Op[] { Op.delete(key, DeleteOption.DEFAULT), Op.delete(sequencer, DeleteOption.DEFAULT) };
		CompletableFuture<TxnResponse> txn = this.client.getKVClient()
			.txn()
			.If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(ticket)))
			.Then(deletes)
			.commit();
		return timed(txn, this.requestTimeout).thenApply((response) -> null);
	}

	/**
	 * A lease that lives on the server at least until {@code requiredUntil}: the current
	 * one if proved so, else the current one after one keep-alive, else a fresh one.
	 * Concurrent callers share one refresh.
	 */
	private CompletableFuture<SessionLease> leaseFor(long requiredUntil, int attempts) {
		CompletableFuture<SessionLease> refresh;
		synchronized (this.leaseMonitor) {
			if (this.closed) {
				return CompletableFuture.failedFuture(new IllegalStateException("the etcd session is closed"));
			}
			SessionLease current = this.lease;
			if (current != null && !current.isDead() && current.provenUntil() - requiredUntil >= 0) {
				return CompletableFuture.completedFuture(current);
			}
			refresh = this.leaseRefresh;
			if (refresh == null || refresh.isDone()) {
				refresh = refresh(current).whenComplete(this::refreshed);
				this.leaseRefresh = refresh;
			}
		}
		return refresh.thenCompose((sessionLease) -> {
			if (sessionLease.provenUntil() - requiredUntil >= 0) {
				return CompletableFuture.completedFuture(sessionLease);
			}
			if (attempts <= 1) {
				return CompletableFuture.failedFuture(new IllegalStateException(
						"etcd did not confirm the session lease within a third of the lease time"));
			}
			return leaseFor(requiredUntil, attempts - 1);
		});
	}

	private CompletableFuture<SessionLease> refresh(@Nullable SessionLease current) {
		if (current == null || current.isDead()) {
			return grant();
		}
		return keepAlive(current, this.requestTimeout)
			.thenCompose((alive) -> alive ? CompletableFuture.completedFuture(current) : grant());
	}

	private void refreshed(@Nullable SessionLease fresh, @Nullable Throwable failure) {
		if (fresh == null) {
			return;
		}
		boolean orphan;
		synchronized (this.leaseMonitor) {
			orphan = this.closed;
			if (!orphan) {
				this.lease = fresh;
			}
		}
		if (orphan) {
			revoke(fresh);
		}
	}

	private CompletableFuture<SessionLease> grant() {
		long sentAt = this.time.nanoTime();
		return timed(this.client.getLeaseClient().grant(this.ttlSeconds), this.requestTimeout)
			.thenApply((granted) -> new SessionLease(granted.getID(), sentAt + TimeUnit.SECONDS.toNanos(granted.getTTL())));
	}

	/**
	 * Sends one keep-alive. Completes with {@code true} when the lease lives on (and proves
	 * it alive for its TTL from the send time), {@code false} when etcd no longer has it.
	 */
	private CompletableFuture<Boolean> keepAlive(SessionLease sessionLease, Duration timeout) {
		long sentAt = this.time.nanoTime();
		return timed(this.client.getLeaseClient().keepAliveOnce(sessionLease.id()), timeout).handle((reply, failure) -> {
			if (failure == null) {
				return sessionLease.confirm(sentAt + TimeUnit.SECONDS.toNanos(reply.getTTL()));
			}
			if (EtcdFailures.isLeaseNotFound(failure)) {
				sessionLease.markDead();
				return false;
			}
			throw EtcdFailures.propagate(failure);
		});
	}

	/** Ends the session: its lease is revoked, which deletes every entry still under it. */
	@Override
	public void close() {
		SessionLease current;
		synchronized (this.leaseMonitor) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			current = this.lease;
		}
		this.slots.forgetEntries();
		this.withdrawals.clear();
		this.onClose.accept(this);
		if (current != null && !current.isDead()) {
			EtcdFailures.await(revoke(current), this.requestTimeout);
		}
	}

	private CompletableFuture<Void> revoke(SessionLease sessionLease) {
		sessionLease.markDead();
		return timed(this.client.getLeaseClient().revoke(sessionLease.id()), this.requestTimeout)
			.handle((revoked, failure) -> {
				if (failure != null && !EtcdFailures.isLeaseNotFound(failure)) {
					logger.warn("Revoking an etcd session lease failed; its entries expire with it: {}",
							EtcdFailures.describe(failure));
				}
				return null;
			});
	}

	private <T> CompletableFuture<T> timed(CompletableFuture<T> call, Duration timeout) {
		return timed(call, timeout, (late) -> {
		});
	}

	/**
	 * The call's result, or a timeout failure after {@code timeout}. The call itself goes on;
	 * if it succeeds after the timeout, {@code onLateSuccess} gets its result.
	 */
	private <T> CompletableFuture<T> timed(CompletableFuture<T> call, Duration timeout, Consumer<T> onLateSuccess) {
		CompletableFuture<T> bounded = this.time.failAfter(new CompletableFuture<>(), timeout, "An etcd request");
		call.whenComplete((result, failure) -> {
			if (failure != null) {
				bounded.completeExceptionally(failure);
			}
			else if (!bounded.complete(result)) {
				onLateSuccess.accept(result);
			}
		});
		return bounded;
	}

	/**
	 * The withdrawal of an entry whose enqueue got no answer.
	 *
	 * @param request the request (for logs)
	 * @param claim the slot of the request: the entry's key and the key of its withdrawal mark
	 * @param lease the lease the enqueue named, under which the mark is written
	 */
	private record Withdrawal(AcquireRequest request, EtcdQueueEntry claim, SessionLease lease) {

	}

	/**
	 * The read of an entry's queue as the other branch of a guarded transaction on it
	 * ({@link #readOps}), and the sequencer the guard compares: both depend only on the
	 * entry, so an entry that converts builds them once. The operations are never changed.
	 *
	 * @param sequencer the resource's sequencer
	 * @param operations the read
	 */
	record ReadBranch(ByteSequence sequencer, Op[] operations) {
	}

	/**
	 * One decision that may take several transactions, when the queue changes under it.
	 *
	 * @param entry the entry
	 * @param round the entry's conversion round it belongs to, or {@link #NO_CONVERSION}
	 * @param deadline when to give up (this JVM's monotonic clock)
	 */
	private record Attempt(EtcdQueueEntry entry, long round, long deadline) {

		boolean isCurrent() {
			return this.round == NO_CONVERSION || this.entry.isCurrentConversion(this.round);
		}

	}

	/**
	 * What a decision writes.
	 *
	 * @param writes the entries to write
	 * @param kept entries to compare unchanged without writing them (blockers of waiting
	 * requests, see {@link QueueSnapshot#blockersToKeep})
	 * @param guarded whether the queue must be the snapshot's (compare and write the sequencer)
	 * @param outcome the state to answer, from the revision of the transaction
	 */
	private record Plan(List<Write> writes, List<QueueSnapshot.Member> kept, boolean guarded,
			LongFunction<QueueState> outcome) {

	}

	/**
	 * An entry of a snapshot and its new state.
	 *
	 * @param member the entry as the snapshot showed it
	 * @param state its new state
	 */
	private record Write(QueueSnapshot.Member member, EntryState state) {

	}

}
