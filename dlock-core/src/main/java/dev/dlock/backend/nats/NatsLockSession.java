package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.support.KeyCodec;
import dev.dlock.support.KeyDigest;
import org.jspecify.annotations.Nullable;

/**
 * A session on the buckets of a backend. A request goes to the bucket of its key's
 * {@linkplain KeyDigest#shard shard}, so every key lives in one bucket, and every later call
 * about its entry goes to the bucket that holds it (the entry knows it: no digest per call);
 * a renewal round renews each bucket's entries there. NATS has no
 * session lease: each entry lives a max age after its last write, so closing the session
 * leaves the entries to expire.
 */
final class NatsLockSession implements LockSession {

	private final List<NatsBucket> buckets;

	private final Duration leaseTime;

	NatsLockSession(List<NatsBucket> buckets, Duration leaseTime) {
		this.buckets = buckets;
		this.leaseTime = leaseTime;
	}

	@Override
	public Duration leaseTime() {
		return this.leaseTime;
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		return bucketOf(request).enqueue(request);
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
	 * Renews each bucket's entries in that bucket, all rounds sent together; fails if any
	 * round fails, so that no entry counts as renewed on a guess.
	 */
	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		if (this.buckets.size() == 1) {
			return this.buckets.get(0).renew(entries);
		}
		Map<NatsBucket, List<QueueEntry>> perBucket = new LinkedHashMap<>();
		for (QueueEntry entry : entries) {
			perBucket.computeIfAbsent(NatsBucket.entry(entry).bucket(), (bucket) -> new ArrayList<>()).add(entry);
		}
		List<CompletableFuture<Set<QueueEntry>>> rounds = new ArrayList<>();
		perBucket.forEach((bucket, inBucket) -> rounds.add(bucket.renew(inBucket)));
		return CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new)).thenApply((done) -> {
			Set<QueueEntry> lost = new HashSet<>();
			rounds.forEach((round) -> lost.addAll(round.join()));
			return lost;
		});
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		return bucketOf(request).remove(request);
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

	@Override
	public void close() {
		// entries expire with the buckets' max age; the watchers belong to the backend
	}

	private NatsBucket bucketOf(AcquireRequest request) {
		return (this.buckets.size() == 1) ? this.buckets.get(0)
				: this.buckets.get(KeyDigest.shard(KeyCodec.encode(request.key()), this.buckets.size()));
	}

	private NatsBucket bucketOf(NatsQueueEntry entry) {
		return entry.bucket();
	}

}
