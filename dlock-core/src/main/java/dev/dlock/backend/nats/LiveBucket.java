package dev.dlock.backend.nats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.dlock.LockBackendException;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions' heartbeats: the key-value bucket {@code <bucket>-live}, whose max age is
 * {@linkplain #maxAge(Duration) a third longer than the lease}, holds one key per live
 * session, its id. A session renews its heartbeat once per renewal period with a
 * revision-checked update and never creates it again once it is gone, so "the stream
 * leader has no heartbeat of session S" means that S can no longer renew: its entries are
 * dead, and any process may delete them (see {@code docs/backends/nats.md}, "Session
 * heartbeats").
 * <p>
 * A watcher keeps, per session, when its last heartbeat arrived here (monotonic time,
 * corrected by how far its server timestamp lags behind the newest one seen): that is when
 * a waiter asks the stream leader whether the heartbeat is gone. The watcher only times
 * that question; the answer always comes from the leader. A session the leader found dead
 * stays dead, so the answer is kept (for ten max ages), and the waiters blocked by the
 * entries of a crashed process ask about it once, not once each.
 */
final class LiveBucket implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(LiveBucket.class);

	private static final byte[] HEARTBEAT = "dlock session".getBytes(StandardCharsets.UTF_8);

	private final NatsCalls calls;

	private final JetStream jetStream;

	private final String name;

	private final String stream;

	private final String subjectPrefix;

	private final Duration maxAge;

	/** The sessions whose heartbeats the watcher delivered, by id. */
	private final Map<String, Seen> seen = new ConcurrentHashMap<>();

	/** The sessions the stream leader found dead, with when (monotonic nanoseconds). */
	private final Map<String, Long> dead = new ConcurrentHashMap<>();

	private final Object stampLock = new Object();

	private @Nullable Instant newestStamp;

	private volatile @Nullable NatsKeyValueWatchSubscription watch;

	private LiveBucket(NatsCalls calls, JetStream jetStream, String name, Duration maxAge) {
		this.calls = calls;
		this.jetStream = jetStream;
		this.name = name;
		this.stream = "KV_" + name;
		this.subjectPrefix = "$KV." + name + ".";
		this.maxAge = maxAge;
	}

	/**
	 * The max age of the live bucket for a lease time: the lease plus a third. A session
	 * counts its entries valid for a lease from the send time of a heartbeat update that
	 * was confirmed, and an enqueue uses the heartbeat only while it is proved alive for a
	 * full lease from the call; the extra third lets the heartbeat written by one renewal
	 * round cover the enqueues until the next (one renewal period, a third of the lease, by
	 * default).
	 */
	static Duration maxAge(Duration leaseTime) {
		return leaseTime.plus(leaseTime.dividedBy(3));
	}

	/** The lease time a live bucket of this max age serves. */
	static Duration leaseTime(Duration maxAge) {
		return maxAge.multipliedBy(3).dividedBy(4);
	}

	/**
	 * Opens the live bucket, creating it if missing (history 1, max age
	 * {@link #maxAge(Duration)}), and starts its watcher.
	 * @throws LockBackendException if it exists with another max age (another lease time),
	 * or the server fails
	 */
	static LiveBucket open(NatsCalls calls, String name, int replicas, StorageType storage, Duration leaseTime) {
		Connection connection = calls.connection();
		Duration maxAge = maxAge(leaseTime);
		try {
			KeyValueManagement management = connection.keyValueManagement();
			KeyValueStatus status = NatsBucket.status(management, name);
			if (status == null) {
				status = NatsBucket.create(management, name, "dlock session heartbeats", maxAge, replicas, storage);
			}
			if (!maxAge.equals(status.getTtl())) {
				throw new LockBackendException("The NATS bucket '" + name + "' holds the heartbeats of sessions "
						+ "with a lease time of " + leaseTime(status.getTtl()) + " (its max age is a third longer, "
						+ status.getTtl() + "), but a lease time of " + leaseTime + " was asked for. Use one lease "
						+ "time per bucket, or another NatsLockBackend with its own bucket for this lease time", null);
			}
			NatsBucket.requireSerialisedWrites(name, status.getReplicas(), connection.getServerInfo().getVersion());
			LiveBucket live = new LiveBucket(calls, connection.jetStream(), name, maxAge);
			live.watch = (NatsKeyValueWatchSubscription) connection.keyValue(name).watchAll(live.new Watcher());
			return live;
		}
		catch (IOException | JetStreamApiException ex) {
			throw new LockBackendException("Opening the NATS bucket '" + name + "' failed: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LockBackendException("Opening the NATS bucket '" + name + "' was interrupted", ex);
		}
	}

	String name() {
		return this.name;
	}

	Duration maxAge() {
		return this.maxAge;
	}

	/** Creates a session's heartbeat: a write that expects the key to have no message. */
	CompletableFuture<PublishAck> create(String session) {
		return this.calls.bounded(NatsCalls.send(this.jetStream, this.subjectPrefix + session, null, HEARTBEAT, 0));
	}

	/**
	 * Renews a session's heartbeat with a write that expects its last revision. It fails
	 * with JetStream's wrong-last-sequence error when the heartbeat is gone: an update never
	 * brings back a heartbeat that expired.
	 */
	CompletableFuture<PublishAck> update(String session, long revision) {
		return this.calls
			.bounded(NatsCalls.send(this.jetStream, this.subjectPrefix + session, null, HEARTBEAT, revision));
	}

	/** Ends a session: a delete marker on its heartbeat. */
	CompletableFuture<PublishAck> delete(String session) {
		Headers headers = new Headers();
		headers.put("KV-Operation", "DEL");
		return this.calls.bounded(NatsCalls.send(this.jetStream, this.subjectPrefix + session, headers, new byte[0], -1));
	}

	/**
	 * The revision of the session's heartbeat at the stream leader, or {@code null} when the
	 * leader has none (it expired, or the session ended).
	 */
	CompletableFuture<@Nullable Long> leaderRevision(String session) {
		return this.calls.lastMessage(this.stream, this.subjectPrefix + session, "a session heartbeat")
			.thenApply((info) -> (info != null && BucketMirror.isPut(info.getHeaders())) ? info.getSeq() : null);
	}

	/**
	 * How long the session's last heartbeat that reached this watcher lives at most: zero if
	 * none did, or it was deleted. Until then a waiter need not ask the leader.
	 */
	Duration remaining(String session) {
		Seen last = this.seen.get(session);
		if (last == null) {
			return Duration.ZERO;
		}
		long left = last.expiresAt() - this.calls.time().nanoTime();
		return (left > 0) ? Duration.ofNanos(left) : Duration.ZERO;
	}

	/**
	 * Whether an entry of the session, last written {@code age} ago by the server's clock,
	 * may still be alive, for a read of its queue that asks nobody: the watcher delivered a
	 * heartbeat of the session that has not run out, or the entry is younger than a lease.
	 * An enqueue creates its entry only under a heartbeat proved alive for a lease, and this
	 * watcher may deliver that heartbeat after the copy of the lock bucket delivered the
	 * entry. An entry of a session that ended or crashed thus stops showing once its last
	 * heartbeat ran out here and a lease has passed since the entry's last write.
	 */
	boolean mayLive(String session, Duration age) {
		return remaining(session).compareTo(Duration.ZERO) > 0 || age.compareTo(leaseTime(this.maxAge)) < 0;
	}

	/**
	 * Asks the stream leader whether the session's heartbeat is gone. If the leader has a
	 * heartbeat the watcher has not delivered yet, it counts as arrived now.
	 */
	CompletableFuture<Liveness> confirm(String session) {
		if (this.dead.containsKey(session)) {
			return CompletableFuture.completedFuture(Liveness.GONE);
		}
		return leaderRevision(session).thenApply((revision) -> {
			if (revision == null) {
				this.dead.put(session, this.calls.time().nanoTime());
				return Liveness.GONE;
			}
			Seen last = this.seen.get(session);
			if (last != null && last.revision() >= revision) {
				// the message the watcher has: its max age ran out, the server drops it on a timer
				return Liveness.EXPIRING;
			}
			this.seen.merge(session, new Seen(revision, this.calls.time().nanoTime() + this.maxAge.toNanos()),
					(old, now) -> (old.revision() >= now.revision()) ? old : now);
			return Liveness.ALIVE;
		});
	}

	@Override
	public void close() {
		NatsKeyValueWatchSubscription current = this.watch;
		if (current != null) {
			try {
				current.unsubscribe();
			}
			catch (RuntimeException ex) {
				logger.debug("Stopping the watcher of NATS bucket '{}' failed: {}", this.name, ex.toString());
			}
		}
	}

	/** What the stream leader says of a session's heartbeat. */
	enum Liveness {

		/** It has a heartbeat the watcher had not delivered. */
		ALIVE,

		/** It still has the heartbeat whose max age ran out by the watcher's time. */
		EXPIRING,

		/** It has none: the session is dead for good. */
		GONE

	}

	/**
	 * A heartbeat that reached the watcher.
	 *
	 * @param revision its stream sequence
	 * @param expiresAt when its max age runs out at the latest (monotonic nanoseconds)
	 */
	private record Seen(long revision, long expiresAt) {
	}

	private final class Watcher implements KeyValueWatcher {

		@Override
		public void watch(KeyValueEntry entry) {
			String session = entry.getKey();
			if (entry.getOperation() != KeyValueOperation.PUT) {
				LiveBucket.this.seen.remove(session);
				return;
			}
			long now = LiveBucket.this.calls.time().nanoTime();
			Instant stamp = entry.getCreated().toInstant();
			long lag;
			synchronized (LiveBucket.this.stampLock) {
				Instant newest = LiveBucket.this.newestStamp;
				if (newest == null || stamp.isAfter(newest)) {
					LiveBucket.this.newestStamp = stamp;
					newest = stamp;
				}
				// a heartbeat delivered late (a watcher that starts, or catches up) is older
				// than its arrival here by how far it lags behind the newest one
				lag = Duration.between(stamp, newest).toNanos();
			}
			Seen arrived = new Seen(entry.getRevision(), now + LiveBucket.this.maxAge.toNanos() - lag);
			LiveBucket.this.seen.merge(session, arrived,
					(old, next) -> (old.revision() >= next.revision()) ? old : next);
			sweep(now);
		}

		@Override
		public void endOfData() {
			// the heartbeats delivered so far are the bucket's; later ones follow as written
		}

		/**
		 * Forgets sessions whose heartbeat ran out a max age ago (crashed ones), and dead
		 * ones after ten max ages (a waiter then asks the leader again).
		 */
		private void sweep(long now) {
			long horizon = now - LiveBucket.this.maxAge.toNanos();
			LiveBucket.this.seen.values().removeIf((last) -> last.expiresAt() - horizon < 0);
			long deadHorizon = now - LiveBucket.this.maxAge.multipliedBy(10).toNanos();
			LiveBucket.this.dead.values().removeIf((since) -> since - deadHorizon < 0);
		}

	}

}
