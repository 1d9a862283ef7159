package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.dlock.support.TimeSource;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.options.LeaseOption;
import org.jspecify.annotations.Nullable;

/**
 * The etcd lease that a backend's value blocks and writer marks are written under, so that
 * etcd drops them on its own once they are no longer needed: no key is left forever.
 * <p>
 * A lease is granted for the retention time and a quarter more, and used only during that
 * quarter (counted from the send time of its grant): so everything written under it lives
 * at least the retention time after its write, and at most about five leases live at once.
 * It is never kept alive and never revoked (values outlive the backend). Thread-safe.
 */
final class RetentionLease {

	private final Lease leases;

	private final long ttlSeconds;

	private final long retentionNanos;

	private final Duration requestTimeout;

	private final TimeSource time;

	// guarded by this
	private @Nullable Granted current;

	// guarded by this
	private @Nullable CompletableFuture<Granted> granting;

	RetentionLease(Lease leases, Duration retention, Duration requestTimeout, TimeSource time) {
		this.leases = leases;
		long seconds = retention.toSeconds() + ((retention.toNanosPart() > 0) ? 1 : 0);
		this.ttlSeconds = seconds + Math.max(1, seconds / 4);
		this.retentionNanos = retention.toNanos();
		this.requestTimeout = requestTimeout;
		this.time = time;
	}

	/**
	 * A lease under which a key written now lives at least the retention time: the current
	 * one, or a new one (concurrent callers share one grant).
	 * @return the lease id
	 */
	CompletableFuture<Long> id() {
		CompletableFuture<Granted> grant;
		synchronized (this) {
			Granted lease = this.current;
			if (lease != null && this.time.nanoTime() - lease.usableUntil() < 0) {
				return CompletableFuture.completedFuture(lease.id());
			}
			if (this.granting == null || this.granting.isDone()) {
				this.granting = grant();
			}
			grant = this.granting;
		}
		return grant.thenApply(Granted::id);
	}

	/**
	 * Asks etcd whether a lease this backend wrote under still exists, after etcd refused a
	 * write naming an unknown lease (which may have been another lease of the same
	 * transaction); a lease that is gone is not used again.
	 * @param id the lease id
	 * @return whether the lease was gone
	 */
	CompletableFuture<Boolean> checkGone(long id) {
		return this.time
			.failAfter(this.leases.timeToLive(id, LeaseOption.DEFAULT), this.requestTimeout, "An etcd lease check")
			.thenApply((alive) -> {
				if (alive.getTTL() > 0) {
					return false;
				}
				synchronized (this) {
					if (this.current != null && this.current.id() == id) {
						this.current = null;
					}
				}
				return true;
			});
	}

	private CompletableFuture<Granted> grant() {
		long sentAt = this.time.nanoTime();
		return this.time.failAfter(this.leases.grant(this.ttlSeconds), this.requestTimeout, "An etcd lease grant")
			.thenApply((granted) -> {
				long usableUntil = sentAt + TimeUnit.SECONDS.toNanos(granted.getTTL()) - this.retentionNanos;
				if (usableUntil - sentAt <= 0) {
					throw new IllegalStateException("etcd granted the value lease " + granted.getTTL()
							+ " s, not the retention time and more");
				}
				Granted lease = new Granted(granted.getID(), usableUntil);
				synchronized (this) {
					this.current = lease;
				}
				return lease;
			});
	}

	/**
	 * A lease granted and until when (this JVM's monotonic clock) it may be written under.
	 *
	 * @param id the lease id
	 * @param usableUntil the send time of its grant plus its TTL less the retention time
	 */
	private record Granted(long id, long usableUntil) {
	}

}
