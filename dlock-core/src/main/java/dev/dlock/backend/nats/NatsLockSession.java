package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import org.jspecify.annotations.Nullable;

/**
 * A session on a bucket. NATS has no session lease: each entry lives a max age after its
 * last write, so closing the session leaves the entries to expire.
 */
final class NatsLockSession implements LockSession {

	private final NatsBucket bucket;

	private final Duration leaseTime;

	NatsLockSession(NatsBucket bucket, Duration leaseTime) {
		this.bucket = bucket;
		this.leaseTime = leaseTime;
	}

	@Override
	public Duration leaseTime() {
		return this.leaseTime;
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		return this.bucket.enqueue(request);
	}

	@Override
	public CompletableFuture<QueueState> poll(QueueEntry entry) {
		return this.bucket.poll(NatsBucket.entry(entry));
	}

	@Override
	public Subscription watch(QueueEntry entry, Runnable onChange) {
		return this.bucket.watch(NatsBucket.entry(entry), onChange);
	}

	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		return this.bucket.renew(entries);
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		return this.bucket.remove(request);
	}

	@Override
	public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
		return this.bucket.convert(NatsBucket.entry(entry), mode, waitIfBusy);
	}

	@Override
	public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
		return this.bucket.cancelConversion(NatsBucket.entry(entry), heldMode);
	}

	@Override
	public void close() {
		// entries expire with the bucket's max age; the watcher belongs to the backend
	}

}
