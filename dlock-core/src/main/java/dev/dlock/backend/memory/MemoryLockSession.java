package dev.dlock.backend.memory;

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
import org.jspecify.annotations.Nullable;

/**
 * A session on the in-memory table. Every operation completes at once.
 */
final class MemoryLockSession implements LockSession {

	private final MemoryLockTable table;

	private final Duration leaseTime;

	private final long leaseNanos;

	MemoryLockSession(MemoryLockTable table, Duration leaseTime) {
		this.table = table;
		this.leaseTime = leaseTime;
		this.leaseNanos = leaseTime.toNanos();
	}

	@Override
	public Duration leaseTime() {
		return this.leaseTime;
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		MemoryLockTable.Decision decision = this.table.enqueue(request, this.leaseNanos);
		return CompletableFuture.completedFuture(
				(decision != null) ? new EnqueueResult(decision.entry(), decision.state()) : EnqueueResult.rejected());
	}

	@Override
	public CompletableFuture<QueueState> poll(QueueEntry entry) {
		return CompletableFuture.completedFuture(this.table.poll((MemoryEntry) entry));
	}

	@Override
	public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
		try {
			return CompletableFuture.completedFuture(this.table.convert((MemoryEntry) entry, mode, waitIfBusy));
		}
		catch (IllegalStateException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	@Override
	public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
		return CompletableFuture.completedFuture(this.table.cancelConversion((MemoryEntry) entry, heldMode));
	}

	@Override
	public Subscription watch(QueueEntry entry, Runnable onChange) {
		return this.table.watch((MemoryEntry) entry, onChange);
	}

	@Override
	public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
		return CompletableFuture.completedFuture(this.table.queue(entry.request().key()));
	}

	@Override
	public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		return this.table.watchQueue(entry.request().key(), onChange, onWaiting);
	}

	@Override
	public CompletableFuture<@Nullable LockValue> readValue(QueueEntry entry) {
		return CompletableFuture.completedFuture(this.table.readValue((MemoryEntry) entry));
	}

	@Override
	public CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
		return CompletableFuture.completedFuture(this.table.writeValue((MemoryEntry) entry, value));
	}

	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		Set<QueueEntry> lost = new HashSet<>();
		for (QueueEntry entry : entries) {
			if (!this.table.renew((MemoryEntry) entry, this.leaseNanos)) {
				lost.add(entry);
			}
		}
		return CompletableFuture.completedFuture(lost);
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		this.table.remove(request);
		return CompletableFuture.completedFuture(null);
	}

	@Override
	public void close() {
		// entries expire with their leases, as after a crash
	}

}
