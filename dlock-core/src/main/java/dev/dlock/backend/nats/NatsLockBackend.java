package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import dev.dlock.LockBackendException;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.LockThreads;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.Durations;
import dev.dlock.support.TimeSource;
import io.nats.client.Connection;
import io.nats.client.api.AccountStatistics;
import io.nats.client.api.ServerInfo;
import io.nats.client.api.StorageType;
import org.jspecify.annotations.Nullable;

/**
 * A lock backend on a NATS JetStream key-value bucket.
 * <p>
 * Every request is an entry {@code <encoded key>.<owner id>} in a bucket (default
 * {@code dlock}), created if missing with history 1 and a max age of a day; its create
 * revision (a stream sequence) is the ticket and the fencing token. A conversion is a
 * revision-checked write of the entry, and the revision of the write that grants it is its
 * new token. An entry lives as long as its session's heartbeat, one key per session in the
 * bucket {@code <bucket>-live} (max age: the lease time plus a third): renewal is one
 * revision-checked update of the heartbeat per session, whatever the number of locks, plus
 * a rewrite of each entry every 12 hours. Waiters are woken by one watcher per backend that
 * reads the whole bucket; because max-age expiry is silent on nats-server 2.9, a waiter
 * also looks again when the heartbeat of the session it waits for must have run out, and
 * once the stream leader confirms that it did, deletes that session's entry. See
 * {@code docs/backends/nats.md} for the guarantees and the durability caveat.
 * <p>
 * With {@link Builder#buckets(int) buckets(n)} above 1 the keys are sharded over the buckets
 * {@code <bucket>-0} to {@code <bucket>-(n-1)}, each a stream with its own leader: a key's
 * bucket is its {@link dev.dlock.support.KeyDigest#shard shard}, so every key lives in
 * exactly one bucket, and every process using the buckets must use the same {@code n}.
 * <p>
 * A bucket has one max age, so a backend serves one lease time: opening a session with
 * another lease time fails with a {@link LockBackendException}. Use a second backend with
 * its own bucket for a second lease time. The lease time is the builder's
 * {@link Builder#leaseTime(Duration)} if set, otherwise that of the first session.
 * <p>
 * The {@link Connection} belongs to the application and is never closed here. The
 * backend notices reconnects by polling the connection's statistics, so any connection
 * works; one that reconnects forever ({@code Options.Builder.maxReconnects(-1)}) keeps the
 * watcher recovering from any outage, and one built with
 * {@code dontForceFlushOnRequest()} lets a renewal round be written in batches. The Spring
 * Boot auto-configuration builds such a connection from {@code dlock.nats.*}.
 * <p>
 * Thread-safe.
 *
 * @since 0.1.0
 */
public final class NatsLockBackend implements LockBackend {

	private static final Pattern BUCKET_NAME = Pattern.compile("[A-Za-z0-9_-]+");

	private final Connection connection;

	private final String bucketName;

	private final int buckets;

	private final int replicas;

	private final StorageType storage;

	private final @Nullable Duration leaseTime;

	private final @Nullable Duration entryMaxAge;

	private final LockThreads threads = LockThreads.create();

	private final NatsCalls calls;

	private final Object lock = new Object();

	private @Nullable List<NatsBucket> opened;

	private @Nullable LiveBucket live;

	/** The lease time the opened buckets serve. */
	private @Nullable Duration served;

	private volatile boolean closed;

	private NatsLockBackend(Builder builder) {
		this.connection = builder.connection;
		this.bucketName = builder.bucket;
		this.buckets = builder.buckets;
		this.replicas = builder.replicas;
		this.storage = builder.storage;
		this.leaseTime = builder.leaseTime;
		this.entryMaxAge = builder.entryMaxAge;
		TimeSource time = (builder.timeSource != null) ? builder.timeSource : TimeSource.on(this.threads);
		this.calls = new NatsCalls(this.connection, time, this.threads, builder.requestTimeout);
	}

	/**
	 * Starts a builder on a connection that the application owns and closes.
	 * @param connection the jnats connection; JetStream must be enabled on its server
	 * @return a new builder
	 */
	public static Builder builder(Connection connection) {
		return new Builder(connection);
	}

	@Override
	public String name() {
		return "nats";
	}

	/**
	 * Opens a session; the first one opens the buckets (creating the live bucket with a max
	 * age a third longer than the builder's lease time, or else this lease time, and the
	 * lock buckets with a max age of a day, if they are missing) and starts their watchers.
	 * @param leaseTime the lease time; must be the one the live bucket serves
	 * @return the session
	 * @throws LockBackendException if a bucket has another max age (a lock bucket made by
	 * the version that renewed every entry, among others), this backend already serves
	 * another lease time, or the server fails
	 */
	@Override
	public LockSession openSession(Duration leaseTime) {
		Durations.positive(leaseTime, "leaseTime");
		List<NatsBucket> shards;
		LiveBucket heartbeats;
		Duration serves;
		synchronized (this.lock) {
			if (this.closed) {
				throw new LockBackendException("The NATS lock backend is closed", null);
			}
			if (this.opened == null) {
				Duration lease = (this.leaseTime != null) ? this.leaseTime : leaseTime;
				LiveBucket openedLive = LiveBucket.open(this.calls, this.bucketName + "-live", this.replicas,
						this.storage, lease);
				try {
					this.opened = openBuckets(lease, openedLive);
				}
				catch (RuntimeException ex) {
					openedLive.close();
					throw ex;
				}
				this.live = openedLive;
				this.served = lease;
			}
			shards = this.opened;
			heartbeats = Objects.requireNonNull(this.live);
			serves = Objects.requireNonNull(this.served);
		}
		if (!serves.equals(leaseTime)) {
			throw new LockBackendException("The NATS bucket '" + this.bucketName + "' serves a lease time of "
					+ serves + " (the max age of its heartbeats' bucket '" + heartbeats.name()
					+ "' is a third longer), but a lease time of " + leaseTime
					+ " was asked for. Use one lease time per bucket, or another NatsLockBackend with its own "
					+ "bucket for this lease time", null);
		}
		return new NatsLockSession(shards, heartbeats, this.calls, leaseTime);
	}

	/** Opens every bucket, or none: the ones opened before a failure are closed again. */
	private List<NatsBucket> openBuckets(Duration leaseTime, LiveBucket heartbeats) {
		Duration maxAge = (this.entryMaxAge != null) ? this.entryMaxAge : NatsBucket.entryMaxAge(leaseTime);
		if (maxAge.compareTo(leaseTime.multipliedBy(2)) < 0) {
			// an entry that is not due for a rewrite must live a lease beyond a renewal round's start
			throw new IllegalArgumentException("'entryMaxAge' must be at least twice the lease time " + leaseTime
					+ ", but was " + maxAge);
		}
		List<NatsBucket> shards = new ArrayList<>(this.buckets);
		try {
			for (int i = 0; i < this.buckets; i++) {
				shards.add(NatsBucket.open(this.calls, bucketName(i), this.replicas, this.storage, leaseTime, maxAge,
						heartbeats));
			}
		}
		catch (RuntimeException ex) {
			shards.forEach(NatsBucket::close);
			throw ex;
		}
		return List.copyOf(shards);
	}

	/**
	 * The name of a bucket: the configured name with one bucket, {@code <name>-<shard>}
	 * with several.
	 */
	private String bucketName(int shard) {
		return (this.buckets == 1) ? this.bucketName : this.bucketName + "-" + shard;
	}

	/**
	 * Checks the backend with one round trip per bucket, sent together: each bucket's stream
	 * info from its leader, or JetStream's account info before the buckets are open. Down
	 * if any bucket is.
	 * @return the health, never completed exceptionally
	 */
	@Override
	public CompletableFuture<BackendHealth> health() {
		long start = this.calls.time().nanoTime();
		List<NatsBucket> current;
		synchronized (this.lock) {
			current = this.opened;
		}
		CompletableFuture<?> probe;
		try {
			probe = (current != null)
					? CompletableFuture.allOf(current.stream().map(NatsBucket::info).toArray(CompletableFuture[]::new))
					: this.calls.api("INFO", "").thenApply((reply) -> {
						AccountStatistics account = new AccountStatistics(reply);
						if (account.hasError()) {
							throw new LockBackendException("JetStream is not available: " + account.getError(),
									null);
						}
						return account;
					});
		}
		catch (RuntimeException ex) {
			probe = CompletableFuture.failedFuture(ex);
		}
		return this.calls.handOver(probe.handle((result, failure) -> {
			Duration roundTrip = Duration.ofNanos(this.calls.time().nanoTime() - start);
			if (failure != null) {
				return BackendHealth.down(roundTrip, AsyncFailures.unwrap(failure).toString());
			}
			Map<String, Object> details = new LinkedHashMap<>();
			ServerInfo server = this.connection.getServerInfo();
			if (server != null) {
				details.put("serverVersion", server.getVersion());
				details.put("perMessageTtl", server.isSameOrNewerThanVersion("2.11.0"));
			}
			details.put("bucket", this.bucketName);
			details.put("buckets", this.buckets);
			Duration lease = served();
			if (lease != null) {
				details.put("leaseTime", lease.toString());
			}
			return BackendHealth.up(roundTrip, details);
		}));
	}

	private @Nullable Duration served() {
		synchronized (this.lock) {
			return this.served;
		}
	}

	/**
	 * A session's entries live as long as its heartbeat, which works as a session lease
	 * (an entry whose removal failed stays while the session lives); every call is
	 * published on the one connection as it is made, so calls reach the stream in order; a
	 * conversion is a revision-checked write of the entry; a queue is read from, and
	 * watched on, the local copy of its bucket; a key's value block is one more key in its
	 * bucket, kept for the {@linkplain Builder#entryMaxAge(Duration) entries' max age} after
	 * its last write (see {@code docs/backends/nats.md}, "Value blocks").
	 * @return {@link BackendCapability#SESSION_LEASE},
	 * {@link BackendCapability#OWN_REMOVALS_FIRST}, {@link BackendCapability#CONVERSION},
	 * {@link BackendCapability#BLOCKING_NOTIFICATIONS} and
	 * {@link BackendCapability#VALUE_BLOCKS}
	 */
	@Override
	public Set<BackendCapability> capabilities() {
		return Set.of(BackendCapability.SESSION_LEASE, BackendCapability.OWN_REMOVALS_FIRST,
				BackendCapability.CONVERSION, BackendCapability.BLOCKING_NOTIFICATIONS, BackendCapability.VALUE_BLOCKS);
	}

	/**
	 * The stream sequence of the last message the first bucket's watcher applied (the only
	 * bucket unless sharded); 0 before the buckets are open. For tests.
	 */
	long watcherPosition() {
		synchronized (this.lock) {
			return (this.opened != null) ? this.opened.get(0).watcherPosition() : 0;
		}
	}

	/**
	 * The threads of the backend's timers and hand-overs, which the lock managers on it
	 * share: results continue into the engine on the timer thread, off jnats' threads;
	 * re-creating a watcher's consumer, the one blocking call, runs on the worker thread.
	 * @return the backend's threads
	 */
	@Override
	public Optional<LockThreads> threads() {
		return Optional.of(this.threads);
	}

	/**
	 * Stops the watchers and the backend's threads; the connection stays open. Entries left in the buckets expire
	 * with their max age. Idempotent.
	 */
	@Override
	public void close() {
		List<NatsBucket> current;
		LiveBucket heartbeats;
		synchronized (this.lock) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			current = this.opened;
			heartbeats = this.live;
		}
		if (current != null) {
			current.forEach(NatsBucket::close);
		}
		if (heartbeats != null) {
			heartbeats.close();
		}
		this.threads.close();
	}

	/**
	 * Builds a {@link NatsLockBackend} on a connection the application owns: the backend
	 * never closes it. Not thread-safe.
	 *
	 * @since 0.1.0
	 */
	public static final class Builder {

		private final Connection connection;

		private String bucket = "dlock";

		private int buckets = 1;

		private int replicas = 1;

		private StorageType storage = StorageType.File;

		private @Nullable Duration leaseTime;

		private Duration requestTimeout = Duration.ofSeconds(2);

		private @Nullable TimeSource timeSource;

		private @Nullable Duration entryMaxAge;

		private Builder(Connection connection) {
			this.connection = Objects.requireNonNull(connection, "'connection' must not be null");
		}

		/**
		 * The bucket name. Default {@code dlock}.
		 * @param bucket letters, digits, {@code -} and {@code _}
		 * @return this builder
		 */
		public Builder bucket(String bucket) {
			Objects.requireNonNull(bucket, "'bucket' must not be null");
			if (!BUCKET_NAME.matcher(bucket).matches()) {
				throw new IllegalArgumentException("'bucket' must consist of A-Z, a-z, 0-9, '-' and '_'");
			}
			this.bucket = bucket;
			return this;
		}

		/**
		 * How many buckets the keys are sharded over. Default 1: the one bucket named by
		 * {@link #bucket(String)}. With {@code n} above 1 the buckets are
		 * {@code <bucket>-0} to {@code <bucket>-(n-1)}, each a stream with a leader of its
		 * own that the cluster places, so that lock traffic spreads over a cluster's
		 * servers; a key always lives in the bucket of its
		 * {@link dev.dlock.support.KeyDigest#shard shard}. Every process using the buckets
		 * must use the same count; changing it moves keys, so it needs every process stopped,
		 * as changing the bucket name does.
		 * @param buckets at least 1
		 * @return this builder
		 */
		public Builder buckets(int buckets) {
			if (buckets < 1) {
				throw new IllegalArgumentException("'buckets' must be at least 1, but was " + buckets);
			}
			this.buckets = buckets;
			return this;
		}

		/**
		 * How many servers store the bucket when the backend creates it. Default 1; use 3 in
		 * a cluster. An existing bucket keeps its own setting.
		 * @param replicas 1 to 5
		 * @return this builder
		 */
		public Builder replicas(int replicas) {
			if (replicas < 1 || replicas > 5) {
				throw new IllegalArgumentException("'replicas' must be between 1 and 5");
			}
			this.replicas = replicas;
			return this;
		}

		/**
		 * Where the servers keep the bucket when the backend creates it. Default file
		 * storage; memory storage loses every lock and resets fencing tokens when a server
		 * restarts.
		 * @param storage the storage type
		 * @return this builder
		 */
		public Builder storage(StorageType storage) {
			this.storage = Objects.requireNonNull(storage, "'storage' must not be null");
			return this;
		}

		/**
		 * The one lease time this backend serves: the live bucket it creates has a max age a
		 * third longer. Sessions with another lease time are refused, whichever comes first. Default: the
		 * lease time of the first session. Set it to the lock manager's lease time, so that a
		 * request with a lease time of its own is always refused rather than, when it comes
		 * first, creating the bucket with its lease time.
		 * @param leaseTime a positive duration
		 * @return this builder
		 */
		public Builder leaseTime(Duration leaseTime) {
			this.leaseTime = Durations.positive(leaseTime, "leaseTime");
			return this;
		}

		/**
		 * How long one server call may take before it counts as failed. Default 2 seconds.
		 * @param requestTimeout a positive duration
		 * @return this builder
		 */
		public Builder requestTimeout(Duration requestTimeout) {
			this.requestTimeout = Durations.positive(requestTimeout, "requestTimeout");
			return this;
		}

		/**
		 * The monotonic clock and timer of the backend, for tests. Default: the system clock
		 * and the timer thread of the backend's {@link NatsLockBackend#threads() threads}.
		 * @param timeSource the time source; the backend does not close it
		 * @return this builder
		 */
		public Builder timeSource(TimeSource timeSource) {
			this.timeSource = Objects.requireNonNull(timeSource, "'timeSource' must not be null");
			return this;
		}

		/**
		 * The lock buckets' max age: how long an entry lives after its last write, a
		 * delete marker after a release, and a key's value block (DESIGN.md §12) after its
		 * last write or invalid-marking (then it reads as {@link dev.dlock.LockValue#NONE}).
		 * Each held entry is written again when half of it
		 * has passed, so a shorter max age costs more rewrites of held locks and keeps
		 * fewer markers (see docs/backends/nats.md, "Session heartbeats"). An existing
		 * bucket must have this max age. Default {@link NatsBucket#entryMaxAge}: a day, or
		 * four lease times if that is longer.
		 * @param entryMaxAge at least twice the lease time
		 * @return this builder
		 */
		public Builder entryMaxAge(Duration entryMaxAge) {
			this.entryMaxAge = Durations.positive(entryMaxAge, "entryMaxAge");
			return this;
		}

		/**
		 * Builds the backend.
		 * @return the backend
		 */
		public NatsLockBackend build() {
			return new NatsLockBackend(this);
		}

	}

}
