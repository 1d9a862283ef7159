package dev.dlock.engine;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.support.TimeSource;
import dev.dlock.support.AsyncFailures;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend session and the entries that live under it: one renewal round per period for
 * all of them, and loss detection from the monotonic clock. A session that has had no
 * request and no entry for {@link #IDLE_LEASES} lease times offers itself for closing.
 */
final class EngineSession implements LiveEntry.Owner {

	private static final Logger logger = LoggerFactory.getLogger(EngineSession.class);

	/** How many lease times without a request or an entry make a session idle. */
	static final int IDLE_LEASES = 3;

	private final LockSession backendSession;

	private final TimeSource time;

	private final long leaseNanos;

	private final long intervalNanos;

	private final boolean keepIdleLeaseAlive;

	private final SessionEntries entries = new SessionEntries();

	private final AtomicBoolean renewing = new AtomicBoolean();

	private final AtomicLong renewalFailures = new AtomicLong();

	private volatile boolean closed;

	private volatile TimeSource.@Nullable Cancellable tick;

	private final EngineObservations observations;

	private final Consumer<EngineSession> onIdle;

	/** Requests that use this session, from their start until they end. */
	private final AtomicInteger users = new AtomicInteger();

	private volatile long lastActive;

	/**
	 * @param keepIdleLeaseAlive whether to renew with no entries while idle (a backend with
	 * {@link dev.dlock.spi.BackendCapability#SESSION_LEASE})
	 * @param onIdle told, on the timer, while the session is idle (see {@link #isIdle()})
	 */
	EngineSession(LockSession backendSession, Duration renewalInterval, boolean keepIdleLeaseAlive, TimeSource time,
			EngineObservations observations, Consumer<EngineSession> onIdle) {
		this.onIdle = onIdle;
		this.backendSession = backendSession;
		this.keepIdleLeaseAlive = keepIdleLeaseAlive;
		this.observations = observations;
		this.time = time;
		this.leaseNanos = backendSession.leaseTime().toNanos();
		this.intervalNanos = renewalInterval.toNanos();
		this.lastActive = time.nanoTime();
	}

	void start() {
		scheduleTick();
	}

	LockSession backend() {
		return this.backendSession;
	}

	@Override
	public long leaseNanos() {
		return this.leaseNanos;
	}

	long renewalFailures() {
		return this.renewalFailures.get();
	}

	LiveEntry track(AcquireRequest request) {
		LiveEntry entry = new LiveEntry(request, this);
		this.entries.add(entry);
		return entry;
	}

	@Override
	public void forget(LiveEntry entry) {
		this.entries.remove(entry);
		this.lastActive = this.time.nanoTime();
	}

	/** Counts a request that will use this session; see {@link #unclaim()}. */
	void claim() {
		this.users.incrementAndGet();
		this.lastActive = this.time.nanoTime();
	}

	/** The request counted by {@link #claim()} has ended. */
	void unclaim() {
		this.users.decrementAndGet();
		this.lastActive = this.time.nanoTime();
	}

	/**
	 * Whether no request uses the session, it has no entry, and neither changed for
	 * {@link #IDLE_LEASES} lease times (longer than any removal still retrying).
	 */
	boolean isIdle() {
		return this.users.get() == 0 && this.entries.isEmpty()
				&& this.time.nanoTime() - this.lastActive >= IDLE_LEASES * this.leaseNanos;
	}

	boolean isClosed() {
		return this.closed;
	}

	private void scheduleTick() {
		if (!this.closed) {
			this.tick = this.time.schedule(Duration.ofNanos(this.intervalNanos), this::tick);
		}
	}

	private void tick() {
		if (this.closed) {
			return;
		}
		try {
			if (isIdle()) {
				this.onIdle.accept(this);
				if (this.closed) {
					return;
				}
			}
			expireDue();
			if (this.renewing.compareAndSet(false, true)) {
				renewRound();
			}
			armExpiryCheck();
		}
		finally {
			scheduleTick();
		}
	}

	private void renewRound() {
		List<LiveEntry> batch = this.entries.snapshot().stream().filter(LiveEntry::isAttached).toList();
		if (batch.isEmpty()) {
			this.renewing.set(false);
			if (this.keepIdleLeaseAlive) {
				keepIdleLeaseAlive();
			}
			return;
		}
		List<QueueEntry> queueEntries = batch.stream().map(LiveEntry::queueEntry).toList();
		long sentAt = this.time.nanoTime();
		Observation observation = this.observations.startRenewal(batch.size());
		CompletableFuture<Set<QueueEntry>> reply;
		try {
			reply = this.backendSession.renew(queueEntries);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((lost, failure) -> {
			EngineObservations.stopRenewal(observation, failure);
			this.renewing.set(false);
			long confirmedAt = this.time.nanoTime();
			if (failure != null) {
				this.renewalFailures.incrementAndGet();
				logger.warn("Renewal of {} lock entries failed: {}", batch.size(), AsyncFailures.unwrap(failure).toString());
				armExpiryCheck();
				return;
			}
			for (LiveEntry entry : batch) {
				if (lost.contains(entry.queueEntry())) {
					entry.lose("the backend no longer has its entry", null);
				}
				else {
					entry.extend(sentAt, confirmedAt);
				}
			}
			if (renewalOverdue() && this.renewing.compareAndSet(false, true)) {
				// a slow round (many entries, a loaded server) made a tick skip: catch up now
				// rather than a whole period later
				renewRound();
			}
		});
	}

	/**
	 * Renews a session lease that no entry uses now, so that the next enqueue is one
	 * round trip. Best effort: a failure only costs that enqueue a keep-alive of its own.
	 */
	private void keepIdleLeaseAlive() {
		try {
			this.backendSession.renew(List.of()).whenComplete((lost, failure) -> {
				if (failure != null) {
					logger.debug("Keeping an idle session lease alive failed: {}", AsyncFailures.unwrap(failure).toString());
				}
			});
		}
		catch (RuntimeException ex) {
			logger.debug("Keeping an idle session lease alive failed: {}", ex.toString());
		}
	}

	/**
	 * Whether an entry's last renewal was sent more than a period ago, as happens to
	 * entries added while a round was under way when that round outlasted the period.
	 */
	private boolean renewalOverdue() {
		if (this.closed) {
			return false;
		}
		long now = this.time.nanoTime();
		long renewedAtLeastFor = this.leaseNanos - this.intervalNanos;
		for (LiveEntry entry : this.entries.snapshot()) {
			if (entry.isAttached() && entry.validFor(now) < renewedAtLeastFor) {
				return true;
			}
		}
		return false;
	}

	/** Ends every entry whose lease can no longer be proved alive. */
	void expireDue() {
		long now = this.time.nanoTime();
		for (LiveEntry entry : this.entries.snapshot()) {
			if (entry.isAttached() && entry.validFor(now) <= 0) {
				entry.lose("no renewal was confirmed within the lease time of "
						+ Duration.ofNanos(this.leaseNanos), null);
			}
		}
	}

	/**
	 * Schedules an exact expiry check when an entry would run out before the next tick,
	 * so that holders are told at once, not a period late.
	 */
	private void armExpiryCheck() {
		long now = this.time.nanoTime();
		long earliest = this.intervalNanos;
		for (LiveEntry entry : this.entries.snapshot()) {
			if (entry.isAttached() && entry.validFor(now) < earliest) {
				earliest = entry.validFor(now);
			}
		}
		if (earliest != this.intervalNanos) {
			this.time.schedule(Duration.ofNanos(Math.max(0, earliest)), this::expireDue);
		}
	}

	void close() {
		this.closed = true;
		TimeSource.Cancellable current = this.tick;
		if (current != null) {
			current.cancel();
		}
		try {
			this.backendSession.close();
		}
		catch (RuntimeException ex) {
			logger.warn("Closing a backend session failed: {}", ex.toString());
		}
	}

}
