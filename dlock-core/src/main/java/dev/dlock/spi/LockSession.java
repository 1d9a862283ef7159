package dev.dlock.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One client session on a backend: the queue entries of one lock manager that share a
 * lease time.
 * <p>
 * Every operation is one atomic server operation (a Lua script, an etcd transaction, a
 * JetStream compare-and-set). Futures complete exceptionally with
 * {@link dev.dlock.LockBackendException} when the backend cannot be reached. A session
 * never extends a lease on its own: leases live only as long as {@link #renew} calls keep
 * them, so that the engine's clock-based validity stays true. Thread-safe.
 *
 * @since 0.1.0
 */
public interface LockSession extends AutoCloseable {

	/**
	 * How long an entry lives on the server after its last renewal.
	 * @return the lease time
	 */
	Duration leaseTime();

	/**
	 * Records a request in the resource's queue, assigns its ticket on the server, and
	 * tells whether it is granted now: granted when no live entry with a smaller ticket has
	 * a mode in {@link AcquireRequest#conflictingModes()}. When
	 * {@link AcquireRequest#waitIfBusy()} is {@code false} and the request is not granted,
	 * nothing is recorded and the result is {@link QueueState.Status#REJECTED}.
	 * @param request the request
	 * @return the entry and its state
	 */
	CompletableFuture<EnqueueResult> enqueue(AcquireRequest request);

	/**
	 * Tells whether a waiting entry is granted now. Cheap and atomic. Returns
	 * {@link QueueState.Status#GONE} when the entry no longer exists (it expired or the
	 * server lost it).
	 * @param entry an entry returned by {@link #enqueue}
	 * @return the state
	 */
	CompletableFuture<QueueState> poll(QueueEntry entry);

	/**
	 * Asks to be told when the queue of the entry's resource may have changed in a way the
	 * last {@link #enqueue} or {@link #poll} of this entry did not see. The signal is a hint
	 * and may be spurious; the engine polls after it and also re-checks on its own, because
	 * some signals (pub/sub, silent expiry) can be lost. Registration is local and takes
	 * effect before this method returns.
	 * @param entry a waiting entry
	 * @param onChange called, on any thread, when something changed; must be quick
	 * @return the subscription to close when the engine stops waiting
	 */
	Subscription watch(QueueEntry entry, Runnable onChange);

	/**
	 * Extends the lease of every given entry, granted or waiting, in one round (one
	 * pipeline, one script, or one keep-alive of a shared lease). On a backend with
	 * {@link BackendCapability#SESSION_LEASE} the engine also calls it with no entries once
	 * a period while the session is idle, so that the next enqueue finds the session lease
	 * alive and needs no keep-alive of its own.
	 * @param entries the live entries of this session (possibly none)
	 * @return the entries that no longer exist on the server
	 */
	CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries);

	/**
	 * Removes the entry of a request, whether granted or waiting, and wakes the entries it
	 * blocked. Idempotent: silent if the entry is already gone. Owner-only: it removes
	 * nothing but the entry of this request's owner id. Works also when the reply of
	 * {@link #enqueue} never arrived.
	 * @param request the request whose entry to remove
	 * @return completes when the server confirmed
	 */
	CompletableFuture<Void> remove(AcquireRequest request);

	/**
	 * Ends the session without removing its entries one by one: where the backend has a
	 * session lease it is revoked; elsewhere the entries expire with their leases.
	 * Idempotent.
	 */
	@Override
	void close();

}
