package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dlock.LockBackendException;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.LockThreads;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.Durations;
import dev.dlock.support.TimeSource;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock backend on Redis (standalone, Sentinel or Cluster) through the application's
 * Lettuce client.
 * <p>
 * Each operation is one Lua script call on the server ({@code EVALSHA}): an uncontended
 * acquire is one round trip, a release is one round trip. The scripts decide with the
 * server's clock ({@code TIME}), sweep expired entries, keep every key no longer than its
 * latest live lease, and publish on one channel when entries leave so that waiters wake.
 * All keys of one lock share a hash tag, so the backend works on Redis Cluster.
 * <p>
 * Keys: {@code <prefix>{<base64url key>}:q} (tickets), {@code :x} (lease expiries) and,
 * once a lock's mode was converted, {@code :c} (conversions), and while a holder watches the
 * lock's queue for blocking notifications, {@code :w} (the watching entries), and
 * {@code :v}, the lock's value block (DESIGN.md §12) with the mark of the entry granted in
 * {@code PW} or {@code EX}, kept for {@link Builder#valueRetention(Duration) the value
 * retention} after its last write; channel {@code <prefix>changes}. Fencing tokens are
 * {@code max(largest ticket in the queue + 1, largest token drawn for a conversion + 1,
 * server time in microseconds)}, so they keep
 * increasing after a restart that lost the data, as long as the server clock does not step
 * back. A granted conversion draws a new token the same way, and so does a request that
 * waited across a granted conversion, when it is granted.
 * <p>
 * The backend never closes a client or connection it was given; it closes the connections
 * it opened itself. Thread-safe.
 *
 * @since 0.1.0
 */
public final class RedisLockBackend implements LockBackend {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "dlock:";

	private static final Logger logger = LoggerFactory.getLogger(RedisLockBackend.class);

	private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

	private final RedisKeyspace keyspace;

	private final RedisClusterAsyncCommands<String, String> commands;

	private final StatefulRedisPubSubConnection<String, String> pubSub;

	private final List<StatefulConnection<String, String>> owned;

	private final ChangeNotifier notifier;

	private final LockThreads threads = LockThreads.create();

	private final TimeSource time = TimeSource.on(this.threads);

	private final AtomicBoolean closed = new AtomicBoolean();

	private RedisLockBackend(String keyPrefix, RedisClusterAsyncCommands<String, String> commands,
			StatefulRedisPubSubConnection<String, String> pubSub, List<StatefulConnection<String, String>> owned,
			Duration subscribeTimeout, Duration valueRetention) {
		this.keyspace = new RedisKeyspace(keyPrefix, new ScriptExecutor(commands),
				commands instanceof RedisAdvancedClusterAsyncCommands, valueRetention);
		this.commands = commands;
		this.pubSub = pubSub;
		this.owned = owned;
		this.notifier = new ChangeNotifier(this.keyspace.channel(), this.threads.timer());
		pubSub.addListener(this.notifier);
		try {
			pubSub.async().subscribe(this.notifier.channel()).get(subscribeTimeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			close();
			throw new LockBackendException("Interrupted while subscribing to Redis", ex);
		}
		catch (ExecutionException | TimeoutException | RuntimeException ex) {
			close();
			throw ScriptExecutor.toLockException(ex, "Subscribing to the Redis channel " + this.notifier.channel());
		}
		this.keyspace.scripts().preload(LuaScript.ALL);
	}

	/**
	 * Starts a builder over the application's client; the backend opens (and later closes)
	 * one command connection and one pub/sub connection from it.
	 * @param client a {@link RedisClient} (standalone or Sentinel) or a
	 * {@link RedisClusterClient}
	 * @return a builder
	 * @throws IllegalArgumentException for other client types
	 */
	public static Builder builder(AbstractRedisClient client) {
		Objects.requireNonNull(client, "'client' must not be null");
		if (!(client instanceof RedisClient) && !(client instanceof RedisClusterClient)) {
			throw new IllegalArgumentException(
					"'client' must be a RedisClient or a RedisClusterClient, not " + client.getClass().getName());
		}
		return new Builder(client, null, null);
	}

	/**
	 * Starts a builder over connections the application opened (standalone, Sentinel or
	 * master/replica); the backend never closes them.
	 * @param connection the connection for the scripts
	 * @param pubSub a pub/sub connection for wake-ups; the backend subscribes one channel
	 * and adds one listener, and removes both on close
	 * @return a builder
	 */
	public static Builder builder(StatefulRedisConnection<String, String> connection,
			StatefulRedisPubSubConnection<String, String> pubSub) {
		Objects.requireNonNull(connection, "'connection' must not be null");
		Objects.requireNonNull(pubSub, "'pubSub' must not be null");
		return new Builder(null, connection.async(), pubSub);
	}

	/**
	 * Starts a builder over Redis Cluster connections the application opened; the backend
	 * never closes them.
	 * @param connection the cluster connection for the scripts
	 * @param pubSub a pub/sub connection for wake-ups (a cluster pub/sub connection works);
	 * the backend subscribes one channel and adds one listener, and removes both on close
	 * @return a builder
	 */
	public static Builder builder(StatefulRedisClusterConnection<String, String> connection,
			StatefulRedisPubSubConnection<String, String> pubSub) {
		Objects.requireNonNull(connection, "'connection' must not be null");
		Objects.requireNonNull(pubSub, "'pubSub' must not be null");
		return new Builder(null, connection.async(), pubSub);
	}

	@Override
	public String name() {
		return "redis";
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		checkOpen();
		Durations.positive(leaseTime, "leaseTime");
		return new RedisLockSession(this.keyspace, this.notifier, leaseTime, this.time);
	}

	@Override
	public CompletableFuture<BackendHealth> health() {
		long start = System.nanoTime();
		CompletableFuture<String> ping;
		try {
			ping = this.commands.ping().toCompletableFuture();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.completedFuture(BackendHealth.down(Duration.ZERO, ex.toString()));
		}
		return this.time.failAfter(ping, HEALTH_TIMEOUT, "A Redis PING").handle((pong, failure) -> {
			Duration roundTrip = Duration.ofNanos(System.nanoTime() - start);
			if (failure != null) {
				return BackendHealth.down(roundTrip, AsyncFailures.unwrap(failure).toString());
			}
			return BackendHealth.up(roundTrip,
					Map.of("keyPrefix", this.keyspace.keyPrefix(), "cluster", this.keyspace.isCluster()));
		});
	}

	@Override
	public Set<BackendCapability> capabilities() {
		return Set.of(BackendCapability.OWN_REMOVALS_FIRST, BackendCapability.CONVERSION,
				BackendCapability.BLOCKING_NOTIFICATIONS, BackendCapability.VALUE_BLOCKS);
	}

	/**
	 * The threads that run the signals of changes a waiter missed, and the timers and
	 * callbacks of the lock managers on this backend.
	 * @return the backend's threads
	 */
	@Override
	public Optional<LockThreads> threads() {
		return Optional.of(this.threads);
	}

	/**
	 * Unsubscribes from the change channel, closes the connections this backend opened and
	 * stops its threads. Idempotent. Entries still on the server end with their leases.
	 */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		this.pubSub.removeListener(this.notifier);
		if (!this.owned.contains(this.pubSub)) {
			try {
				this.pubSub.async().unsubscribe(this.notifier.channel());
			}
			catch (RuntimeException ex) {
				logger.debug("Unsubscribing from {} failed: {}", this.notifier.channel(), ex.toString());
			}
		}
		for (StatefulConnection<String, String> connection : this.owned) {
			if (!connection.isOpen()) {
				// closed with its client, which an application may shut down first
				continue;
			}
			try {
				connection.close();
			}
			catch (RuntimeException ex) {
				logger.debug("Closing a Redis connection failed: {}", ex.toString());
			}
		}
		this.threads.close();
	}

	/** The change counts and waiters fed from the channel; tests look at them. */
	ChangeNotifier notifier() {
		return this.notifier;
	}

	private void checkOpen() {
		if (this.closed.get()) {
			throw new LockBackendException("The Redis lock backend is closed", null);
		}
	}

	/**
	 * Builds a {@link RedisLockBackend}. Not thread-safe.
	 *
	 * @since 0.1.0
	 */
	public static final class Builder {

		/** How long a value block outlives its last write by default: a day. */
		public static final Duration DEFAULT_VALUE_RETENTION = Duration.ofDays(1);

		/** The longest value retention: the scripts count it in milliseconds of server time. */
		private static final Duration MAX_VALUE_RETENTION = Duration.ofDays(36_500);

		private final @Nullable AbstractRedisClient client;

		private final @Nullable RedisClusterAsyncCommands<String, String> commands;

		private final @Nullable StatefulRedisPubSubConnection<String, String> pubSub;

		private String keyPrefix = DEFAULT_KEY_PREFIX;

		private Duration connectTimeout = Duration.ofSeconds(10);

		private Duration valueRetention = DEFAULT_VALUE_RETENTION;

		private Builder(@Nullable AbstractRedisClient client,
				@Nullable RedisClusterAsyncCommands<String, String> commands,
				@Nullable StatefulRedisPubSubConnection<String, String> pubSub) {
			this.client = client;
			this.commands = commands;
			this.pubSub = pubSub;
		}

		/**
		 * The prefix of every key and of the change channel. Default {@code dlock:}.
		 * Applications that share a Redis keep locks apart with different prefixes.
		 * @param keyPrefix the prefix; must not contain <code>{</code> or <code>}</code>,
		 * which would break the hash tag that keeps a lock's keys in one cluster slot
		 * @return this builder
		 */
		public Builder keyPrefix(String keyPrefix) {
			Objects.requireNonNull(keyPrefix, "'keyPrefix' must not be null");
			if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
				throw new IllegalArgumentException("'keyPrefix' must not contain '{' or '}'");
			}
			this.keyPrefix = keyPrefix;
			return this;
		}

		/**
		 * How long {@link #build()} waits for the change channel subscription. Default 10
		 * seconds.
		 * @param connectTimeout a positive duration
		 * @return this builder
		 */
		public Builder connectTimeout(Duration connectTimeout) {
			this.connectTimeout = Durations.positive(connectTimeout, "connectTimeout");
			return this;
		}

		/**
		 * How long a lock's value block (DESIGN.md §12) is kept after its last write, or
		 * after a lost {@code PW} or {@code EX} holder marked it invalid; a day by default.
		 * Then it reads as {@link dev.dlock.LockValue#NONE} and its key {@code :v} is gone
		 * (while an entry holds {@code PW} or {@code EX}, the key lives until a retention
		 * past that entry's lease, so that a crash of its holder is seen). Every backend on
		 * one key prefix should use the same retention: each script counts with the one of
		 * the backend that runs it.
		 * @param valueRetention a positive duration, at most 100 years; rounded down to
		 * milliseconds, at least one
		 * @return this builder
		 */
		public Builder valueRetention(Duration valueRetention) {
			Durations.positive(valueRetention, "valueRetention");
			if (valueRetention.compareTo(MAX_VALUE_RETENTION) > 0) {
				throw new IllegalArgumentException("'valueRetention' must be at most " + MAX_VALUE_RETENTION);
			}
			this.valueRetention = valueRetention;
			return this;
		}

		/**
		 * Builds the backend: opens its connections (when built over a client) and
		 * subscribes to the change channel. Blocks until subscribed.
		 * @return the backend
		 * @throws LockBackendException if Redis cannot be reached
		 */
		public RedisLockBackend build() {
			if (this.client == null) {
				return new RedisLockBackend(this.keyPrefix, Objects.requireNonNull(this.commands),
						Objects.requireNonNull(this.pubSub), List.of(), this.connectTimeout, this.valueRetention);
			}
			StatefulConnection<String, String> commandConnection = null;
			try {
				RedisClusterAsyncCommands<String, String> async;
				StatefulRedisPubSubConnection<String, String> pubSubConnection;
				if (this.client instanceof RedisClusterClient cluster) {
					StatefulRedisClusterConnection<String, String> opened = cluster.connect(StringCodec.UTF8);
					commandConnection = opened;
					async = opened.async();
					pubSubConnection = cluster.connectPubSub(StringCodec.UTF8);
				}
				else {
					RedisClient standalone = (RedisClient) this.client;
					StatefulRedisConnection<String, String> opened = standalone.connect(StringCodec.UTF8);
					commandConnection = opened;
					async = opened.async();
					pubSubConnection = standalone.connectPubSub(StringCodec.UTF8);
				}
				return new RedisLockBackend(this.keyPrefix, async, pubSubConnection,
						List.of(commandConnection, pubSubConnection), this.connectTimeout, this.valueRetention);
			}
			catch (RuntimeException ex) {
				if (commandConnection != null) {
					commandConnection.close();
				}
				throw ScriptExecutor.toLockException(ex, "Connecting to Redis");
			}
		}

	}

}
