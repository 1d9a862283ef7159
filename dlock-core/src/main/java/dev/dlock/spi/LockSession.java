package dev.dlock.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import org.jspecify.annotations.Nullable;

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
	 * tells whether it is granted now: granted when its mode is compatible with the granted
	 * mode of every entry, the requested mode of every pending conversion, and the mode of
	 * every waiting entry with a smaller ticket (DESIGN.md §3 and §12;
	 * {@link dev.dlock.support.QueueRules}). When {@link AcquireRequest#waitIfBusy()} is
	 * {@code false} and the request is not granted, nothing is recorded and the result is
	 * {@link QueueState.Status#REJECTED}.
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
	 * @param request the request whose entry to remove: the one enqueued, or one equal to it
	 * (a backend may find its entry by the whole request, not by the owner id alone)
	 * @return completes when the server confirmed
	 */
	CompletableFuture<Void> remove(AcquireRequest request);

	/**
	 * Asks to change the granted mode of a granted entry, in one atomic server operation
	 * (DESIGN.md §12). A down-conversion (the granted mode {@link LockMode#covers covers} the
	 * new one) is granted at once; an up-conversion is granted when the new mode is
	 * compatible with the granted mode of every other entry and with the requested mode of
	 * every conversion asked for before it; waiting new requests never block it. A granted
	 * conversion draws a new fencing token, larger than every token issued on the resource
	 * before, keeps the entry's ticket, and marks every waiting entry of the resource so that
	 * it, too, draws a new token when it is granted (a request granted with a new token marks
	 * the waiting entries the same way, and a poll repeats the token it reported). An
	 * up-conversion that cannot be granted now is refused with
	 * {@link QueueState.Status#DEADLOCK} when it would wait for a conversion that waits for
	 * it, with {@link QueueState.Status#REJECTED} when
	 * {@code waitIfBusy} is {@code false}, and otherwise recorded at the end of the
	 * conversion queue ({@link QueueState.Status#WAITING}); refused conversions record
	 * nothing. While it waits the entry keeps its granted mode; {@link #poll} and
	 * {@link #watch} then follow the conversion, and a granted poll carries the new token.
	 * <p>
	 * The default refuses: a backend that converts says so with
	 * {@link BackendCapability#CONVERSION}.
	 * @param entry a granted entry with no conversion pending
	 * @param mode the mode to convert to, other than the granted one
	 * @param waitIfBusy whether an up-conversion that cannot be granted now waits
	 * @return the state: granted (with {@link QueueState#newToken()}), waiting, rejected,
	 * deadlock, or gone when the entry no longer exists
	 */
	default CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
		return CompletableFuture.failedFuture(new UnsupportedOperationException(
				"This backend cannot convert a lock's mode (" + getClass().getName() + ")"));
	}

	/**
	 * Withdraws the pending up-conversion of an entry, which ends granted in
	 * {@code heldMode} with no conversion pending: if the conversion was granted meanwhile
	 * (its grant never reached the engine), it is undone, as a down-conversion. The engine
	 * never withdraws a down-conversion (undoing one could grant conflicting modes together),
	 * retries a withdrawal until it is confirmed, and sends the entry's next conversion only
	 * after that. Idempotent; silent if the entry is gone. One atomic server operation.
	 * @param entry an entry whose conversion the engine gives up on
	 * @param heldMode the mode the entry was granted in before the conversion
	 * @return the mode the entry is granted in afterwards: {@code heldMode}, or the mode it
	 * holds if that does not cover {@code heldMode} (a mode is never raised); {@code null} if
	 * the entry is gone
	 */
	default CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
		return CompletableFuture.failedFuture(new UnsupportedOperationException(
				"This backend cannot convert a lock's mode (" + getClass().getName() + ")"));
	}

	/**
	 * Reads the queue of a granted entry's resource as the grant rules see it: every live
	 * entry with its ticket, granted mode, requested mode (a waiting request's, or the
	 * target of a pending conversion) and conversion order. The engine finds in it the
	 * requests and conversions that a holder's mode blocks, for blocking notifications
	 * (DESIGN.md §12). One read (or none, where the backend keeps a current copy of its
	 * queues); it changes nothing. A waiting request that may be granted already may show
	 * as waiting or as granted.
	 * <p>
	 * The default refuses: a backend that reads its queues says so with
	 * {@link BackendCapability#BLOCKING_NOTIFICATIONS}.
	 * @param entry a granted entry
	 * @return the live entries of its resource; empty when the entry is gone
	 */
	default CompletableFuture<List<Queued>> queue(QueueEntry entry) {
		return CompletableFuture.failedFuture(new UnsupportedOperationException(
				"This backend cannot read a lock's queue (" + getClass().getName() + ")"));
	}

	/**
	 * Asks to be told when a request joins the queue of a granted entry's resource, or an
	 * entry of it asks for an up-conversion that waits. The signal is a hint: it may be
	 * spurious (any change of the queue may signal) and it may be lost, so the engine also
	 * re-reads the queue on its own. Registration takes effect before this method returns:
	 * a change made after it returns is signalled unless the signal is lost on the way.
	 * <p>
	 * Where the change carries the entry that started to wait (a request that queued, or a
	 * conversion that waits, as {@link #queue} would show it), the backend may hand it over
	 * to {@code onWaiting} instead of signalling, so that the engine can tell the holder
	 * before it reads the queue. Such a hand-over stands for a signal: the engine then reads
	 * the queue as after one. A backend whose changes carry no entry only signals.
	 * <p>
	 * The default refuses, as {@link #queue} does.
	 * @param entry a granted entry
	 * @param onChange called, on any thread, when the queue changed; must be quick
	 * @param onWaiting called, on any thread, with an entry that started to wait; must be
	 * quick
	 * @return the subscription to close when the engine stops watching
	 */
	default Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		throw new UnsupportedOperationException(
				"This backend cannot watch a lock's queue (" + getClass().getName() + ")");
	}

	/**
	 * Reads the value block of a granted entry's resource (DESIGN.md §12), in one atomic
	 * server operation that also checks that the entry is still there: the value last
	 * written, its version and whether it is valid. It is invalid when, since that write, an
	 * entry granted in {@code PW} or {@code EX} on the resource ended without being removed
	 * (its lease ran out), and valid again after the next write. A value not written within
	 * the backend's retention time (each backend documents it) reads as
	 * {@link dev.dlock.LockValue#NONE}, and then no longer takes space on the server.
	 * <p>
	 * The default refuses: a backend with value blocks says so with
	 * {@link BackendCapability#VALUE_BLOCKS}.
	 * @param entry a granted entry
	 * @return the value, or {@code null} when the entry no longer exists
	 */
	default CompletableFuture<@Nullable LockValue> readValue(QueueEntry entry) {
		return CompletableFuture.failedFuture(new UnsupportedOperationException(
				"This backend keeps no lock values (" + getClass().getName() + ")"));
	}

	/**
	 * Writes the value block of a granted entry's resource, in one atomic server operation
	 * that writes only if the entry is still there and granted in {@code PW} or {@code EX}
	 * (a pending conversion does not matter), so that a holder lost meanwhile never writes.
	 * The value is stored as given, validity included (the engine writes the value it read
	 * marked invalid before it removes the entry of a writer it lost), and kept for the
	 * retention time. Writing the same value again changes nothing (the engine retries after
	 * a lost reply). The engine writes before it removes the entry or converts it out of
	 * {@code PW} and {@code EX}.
	 * <p>
	 * The default refuses, as {@link #readValue} does.
	 * @param entry a granted entry
	 * @param value the value, whose version is the entry's fencing token
	 * @return whether it was written: {@code false} when the entry is gone or not granted in
	 * {@code PW} or {@code EX}
	 */
	default CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
		return CompletableFuture.failedFuture(new UnsupportedOperationException(
				"This backend keeps no lock values (" + getClass().getName() + ")"));
	}

	/**
	 * Ends the session without removing its entries one by one: where the backend has a
	 * session lease it is revoked; elsewhere the entries expire with their leases.
	 * Idempotent.
	 */
	@Override
	void close();

}
