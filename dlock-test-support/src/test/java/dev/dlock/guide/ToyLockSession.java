package dev.dlock.guide;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import dev.dlock.support.ResourceChanges;
import org.jspecify.annotations.Nullable;

/**
 * A toy session: each call is one server operation, answered at once. Before each call
 * whose answer a waiter acts on it reads the key's change count, as the guide says.
 */
final class ToyLockSession implements LockSession {

	private final ToyServer server;

	private final ResourceChanges<Runnable> changes;

	private final Duration leaseTime;

	ToyLockSession(ToyServer server, ResourceChanges<Runnable> changes, Duration leaseTime) {
		this.server = server;
		this.changes = changes;
		this.leaseTime = leaseTime;
	}

	@Override
	public Duration leaseTime() {
		return this.leaseTime;
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		long seen = this.changes.count(request.key());
		ToyServer.Decision decision = this.server.enqueue(request, this.leaseTime);
		if (decision == null) {
			return CompletableFuture.completedFuture(EnqueueResult.rejected());
		}
		ToyEntry entry = new ToyEntry(request, decision.ticket());
		entry.observedChanges(seen);
		return CompletableFuture.completedFuture(new EnqueueResult(entry, decision.state()));
	}

	@Override
	public CompletableFuture<QueueState> poll(QueueEntry entry) {
		ToyEntry toy = (ToyEntry) entry;
		long seen = this.changes.count(toy.request().key());
		QueueState state = this.server.poll(toy.request().key(), toy.ticket());
		toy.observedChanges(seen);
		return CompletableFuture.completedFuture(state);
	}

	@Override
	public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
		ToyEntry toy = (ToyEntry) entry;
		long seen = this.changes.count(toy.request().key());
		QueueState state = this.server.convert(toy.request().key(), toy.ticket(), mode, waitIfBusy);
		toy.observedChanges(seen);
		return CompletableFuture.completedFuture(state);
	}

	@Override
	public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
		return CompletableFuture
			.completedFuture(this.server.cancelConversion(entry.request().key(), entry.ticket(), heldMode));
	}

	@Override
	public Subscription watch(QueueEntry entry, Runnable onChange) {
		ToyEntry toy = (ToyEntry) entry;
		return this.changes.watch(toy.request().key(), toy.observedChanges(), onChange);
	}

	@Override
	public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
		return CompletableFuture.completedFuture(this.server.queue(entry.request().key()));
	}

	/** Signals every change of the queue; hands nothing over (a signal carries no entry). */
	@Override
	public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		String key = entry.request().key();
		return this.changes.watch(key, this.changes.count(key), onChange);
	}

	@Override
	public CompletableFuture<@Nullable LockValue> readValue(QueueEntry entry) {
		return CompletableFuture.completedFuture(this.server.readValue(entry.request().key(), entry.ticket()));
	}

	@Override
	public CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
		return CompletableFuture
			.completedFuture(this.server.writeValue(entry.request().key(), entry.ticket(), value));
	}

	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		Set<QueueEntry> gone = new HashSet<>();
		for (QueueEntry entry : entries) {
			if (!this.server.renew(entry.request().key(), entry.ticket(), this.leaseTime)) {
				gone.add(entry);
			}
		}
		return CompletableFuture.completedFuture(gone);
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		this.server.remove(request.key(), request.ownerId());
		return CompletableFuture.completedFuture(null);
	}

	@Override
	public void close() {
		// the entries expire with their leases
	}

}
