package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dlock.LockBackendException;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.LockThreads;
import dev.dlock.support.Durations;
import dev.dlock.support.TimeSource;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.options.GetOption;

/**
 * A lock backend on etcd v3, through jetcd.
 * <p>
 * Each session holds one etcd lease, renewed by one keep-alive per renewal round however
 * many locks it holds or waits for. A request is one key
 * {@code <prefix><encoded key>/<session id>-<slot>} ({@code -t<slot>} for a try) under that
 * lease; its create revision is the ticket and the fencing token. An uncontended acquire is
 * one transaction, a release one delete, and a waiter watches only one entry that blocks it.
 * A conversion is one transaction on the entry, whose new mod revision is the new token.
 * Only a holder told of what its mode blocks watches its resource's queue. Value blocks
 * live beside the queues under a lease of the backend that etcd lets run out after the
 * {@linkplain Builder#valueRetention value retention}; an entry in {@code PW} or {@code EX}
 * carries a writer mark, so that a lost writer leaves the value invalid. See
 * {@code docs/backends/etcd.md} for the guarantees and what breaks them.
 * <p>
 * Thread-safe. The {@link Client} belongs to the application and is never closed here:
 * build it with jetcd's {@code Client.builder()} (endpoints, authentication, TLS), or let
 * the Spring Boot auto-configuration build it from {@code dlock.etcd.*}.
 *
 * @since 0.1.0
 */
public final class EtcdLockBackend implements LockBackend {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "dlock/";

	/** The default time a value block is kept after its last write: one day. */
	public static final Duration DEFAULT_VALUE_RETENTION = Duration.ofDays(1);

	/** The shortest value retention (the SPI promises at least an hour). */
	private static final Duration MIN_VALUE_RETENTION = Duration.ofHours(1);

	private static final Set<BackendCapability> CAPABILITIES = Set.of(BackendCapability.SESSION_LEASE,
			BackendCapability.OWN_REMOVALS_FIRST, BackendCapability.CONVERSION,
			BackendCapability.BLOCKING_NOTIFICATIONS, BackendCapability.VALUE_BLOCKS);

	private final Client client;

	private final EtcdLayout layout;

	private final Duration requestTimeout;

	private final TimeSource time;

	private final LockThreads threads = LockThreads.create();

	private final Set<EtcdLockSession> sessions = ConcurrentHashMap.newKeySet();

	private final DepartingEntries departing;

	private final ValueBlocks values;

	private final AtomicBoolean closed = new AtomicBoolean();

	EtcdLockBackend(Client client, String keyPrefix, Duration requestTimeout, Duration valueRetention) {
		this.client = client;
		this.layout = new EtcdLayout(keyPrefix);
		this.time = TimeSource.on(this.threads);
		this.departing = new DepartingEntries();
		this.requestTimeout = requestTimeout;
		this.values = new ValueBlocks(client.getKVClient(), this.layout,
				new RetentionLease(client.getLeaseClient(), valueRetention, requestTimeout, this.time), requestTimeout,
				this.time);
	}

	/**
	 * Starts a builder on a client that the application owns and closes.
	 * @param client the jetcd client
	 * @return a new builder
	 */
	public static Builder builder(Client client) {
		return new Builder(client);
	}

	/**
	 * Returns {@code etcd}.
	 * @return the name
	 */
	@Override
	public String name() {
		return "etcd";
	}

	/**
	 * Opens a session with its own etcd lease. The lease is granted in the background (and
	 * so is the backend's value lease, if it has none); the first enqueue waits for it. The lease TTL on the server is the lease time and a third
	 * more, in whole seconds rounded up, and at least etcd's minimum TTL (2 s by default).
	 * @param leaseTime how long the engine counts an entry alive after a renewal was sent
	 * @return the session
	 * @throws LockBackendException if the backend is closed
	 */
	@Override
	public LockSession openSession(Duration leaseTime) {
		Durations.positive(leaseTime, "leaseTime");
		if (this.closed.get()) {
			throw new LockBackendException("The etcd lock backend is closed", null);
		}
		EtcdLockSession session = new EtcdLockSession(this.client, this.layout, this.departing, this.values, leaseTime,
				this.requestTimeout, this.time, this.sessions::remove);
		this.sessions.add(session);
		session.start();
		// the first enqueue in PW or EX writes a mark under the value lease: granted now,
		// beside the session's lease, so that it rarely waits for it (a failure is tried again then)
		this.values.retention().id().exceptionally((failure) -> 0L);
		return session;
	}

	/**
	 * Checks etcd with one linearizable read (a quorum round trip). Details: the store
	 * revision, the answering member and the raft term.
	 * @return the health; never completes exceptionally
	 */
	@Override
	public CompletableFuture<BackendHealth> health() {
		long start = this.time.nanoTime();
		CompletableFuture<BackendHealth> health;
		try {
			health = this.time
				.failAfter(this.client.getKVClient()
					.get(EtcdLayout.bytes(this.layout.keyPrefix()), GetOption.builder().withCountOnly(true).build()),
						this.requestTimeout, "An etcd read")
				.handle((response, failure) -> {
					Duration roundTrip = Duration.ofNanos(this.time.nanoTime() - start);
					if (failure != null) {
						return BackendHealth.down(roundTrip, EtcdFailures.describe(failure));
					}
					Response.Header header = response.getHeader();
					return BackendHealth.up(roundTrip, Map.of("revision", header.getRevision(), "member",
							Long.toHexString(header.getMemberId()), "raftTerm", header.getRaftTerm()));
				});
		}
		catch (RuntimeException ex) {
			health = CompletableFuture.completedFuture(
					BackendHealth.down(Duration.ofNanos(this.time.nanoTime() - start), EtcdFailures.describe(ex)));
		}
		return health;
	}

	/**
	 * Returns {@link BackendCapability#SESSION_LEASE} (one lease per session),
	 * {@link BackendCapability#OWN_REMOVALS_FIRST} (entries whose removal was sent do not
	 * hold this backend's later requests back), {@link BackendCapability#CONVERSION},
	 * {@link BackendCapability#BLOCKING_NOTIFICATIONS} (a holder with a blocking listener
	 * watches its resource's queue) and {@link BackendCapability#VALUE_BLOCKS} (kept for
	 * the {@linkplain Builder#valueRetention value retention} after their last write).
	 * @return the capabilities
	 */
	@Override
	public Set<BackendCapability> capabilities() {
		return CAPABILITIES;
	}

	/**
	 * The threads of the backend's timers (request timeouts, back-off after etcd refused a
	 * burst), which the lock managers on it share; jetcd completes calls on its own threads.
	 * @return the backend's threads
	 */
	@Override
	public Optional<LockThreads> threads() {
		return Optional.of(this.threads);
	}

	/**
	 * Closes the open sessions (revoking their leases, which deletes their entries) and
	 * stops the backend's threads; the client stays open. Idempotent.
	 */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		List.copyOf(this.sessions).forEach(EtcdLockSession::close);
		this.threads.close();
	}

	/**
	 * Builds an {@link EtcdLockBackend} on a {@link Client} the application owns: the
	 * backend never closes it. Not thread-safe.
	 *
	 * @since 0.1.0
	 */
	public static final class Builder {

		private final Client client;

		private String keyPrefix = DEFAULT_KEY_PREFIX;

		private Duration requestTimeout = Duration.ofSeconds(5);

		private Duration valueRetention = DEFAULT_VALUE_RETENTION;

		private Builder(Client client) {
			this.client = Objects.requireNonNull(client, "'client' must not be null");
		}

		/**
		 * The prefix of every key this backend writes. Default {@code dlock/}.
		 * @param keyPrefix a non-empty prefix that ends with {@code /}
		 * @return this builder
		 */
		public Builder keyPrefix(String keyPrefix) {
			Objects.requireNonNull(keyPrefix, "'keyPrefix' must not be null");
			if (keyPrefix.isEmpty() || !keyPrefix.endsWith("/")) {
				throw new IllegalArgumentException("'keyPrefix' must end with '/' so that resources never overlap");
			}
			this.keyPrefix = keyPrefix;
			return this;
		}

		/**
		 * How long to wait for etcd's answer to one request before failing it. Renewals
		 * wait at most a lease time. Default 5 seconds.
		 * @param requestTimeout a positive duration
		 * @return this builder
		 */
		public Builder requestTimeout(Duration requestTimeout) {
			this.requestTimeout = Durations.positive(requestTimeout, "requestTimeout");
			return this;
		}

		/**
		 * How long a lock's value block (DESIGN.md §12) is kept after its last write, and a
		 * lost writer's mark that makes it read as invalid after it was written: etcd drops
		 * both on its own then (they live under a lease of the backend, granted for the
		 * retention and a quarter more), so no key is left behind. A value older than this
		 * reads as {@link dev.dlock.LockValue#NONE}. Default one day.
		 * @param valueRetention at least one hour, in whole seconds or rounded up to them
		 * @return this builder
		 * @throws IllegalArgumentException if shorter than an hour
		 */
		public Builder valueRetention(Duration valueRetention) {
			Durations.positive(valueRetention, "valueRetention");
			if (valueRetention.compareTo(MIN_VALUE_RETENTION) < 0) {
				throw new IllegalArgumentException("'valueRetention' must be at least " + MIN_VALUE_RETENTION);
			}
			this.valueRetention = valueRetention;
			return this;
		}

		/**
		 * Builds the backend.
		 * @return the backend
		 */
		public EtcdLockBackend build() {
			return new EtcdLockBackend(this.client, this.keyPrefix, this.requestTimeout, this.valueRetention);
		}

	}

}
