package dev.dlock.backend.etcd;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLException;

import dev.dlock.LockBackendException;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.support.TimeSource;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.Response;
import io.etcd.jetcd.options.GetOption;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jspecify.annotations.Nullable;

/**
 * A lock backend on etcd v3, through jetcd.
 * <p>
 * Each session holds one etcd lease, renewed by one keep-alive per renewal round however
 * many locks it holds or waits for. A request is one key
 * {@code <prefix><encoded key>/<session id>-<slot>} under that lease; its create revision is the
 * ticket and the fencing token. An uncontended acquire is one transaction, a release one
 * delete, and a waiter watches only the latest earlier conflicting entry. See
 * {@code docs/backends/etcd.md} for the guarantees and what breaks them.
 * <p>
 * Thread-safe. A client passed to {@link Builder#client(Client)} belongs to the
 * application and is never closed here; a client built from endpoints is closed by
 * {@link #close()}.
 *
 * @since 0.1.0
 */
public final class EtcdLockBackend implements LockBackend {

	/** The default key prefix. */
	public static final String DEFAULT_KEY_PREFIX = "dlock/";

	private static final Set<BackendCapability> CAPABILITIES = Set.of(BackendCapability.SESSION_LEASE,
			BackendCapability.OWN_REMOVALS_FIRST);

	private final Client client;

	private final boolean ownsClient;

	private final EtcdLayout layout;

	private final Duration requestTimeout;

	private final TimeSource time;

	private final TimeSource.@Nullable Owned ownedTime;

	private final Set<EtcdLockSession> sessions = ConcurrentHashMap.newKeySet();

	private final DepartingEntries departing;

	private final AtomicBoolean closed = new AtomicBoolean();

	EtcdLockBackend(Client client, boolean ownsClient, String keyPrefix, Duration requestTimeout,
			@Nullable TimeSource time) {
		this.client = client;
		this.ownsClient = ownsClient;
		this.layout = new EtcdLayout(keyPrefix);
		// the backend only reads the clock: an owned system time source never starts its timer
		this.ownedTime = (time != null) ? null : TimeSource.system("dlock-etcd-timer");
		this.time = (time != null) ? time : Objects.requireNonNull(this.ownedTime);
		this.departing = new DepartingEntries(requestTimeout, this.time);
		this.requestTimeout = requestTimeout;
	}

	/**
	 * Starts a builder.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
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
	 * Opens a session with its own etcd lease. The lease is granted in the background; the
	 * first enqueue waits for it. The lease TTL on the server is the lease time and a third
	 * more, in whole seconds rounded up, and at least etcd's minimum TTL (2 s by default).
	 * @param leaseTime how long the engine counts an entry alive after a renewal was sent
	 * @return the session
	 * @throws LockBackendException if the backend is closed
	 */
	@Override
	public LockSession openSession(Duration leaseTime) {
		Objects.requireNonNull(leaseTime, "'leaseTime' must not be null");
		if (leaseTime.isNegative() || leaseTime.isZero()) {
			throw new IllegalArgumentException("'leaseTime' must be positive");
		}
		if (this.closed.get()) {
			throw new LockBackendException("The etcd lock backend is closed", null);
		}
		EtcdLockSession session = new EtcdLockSession(this.client, this.layout, this.departing, leaseTime,
				this.requestTimeout, this.time, this.sessions::remove);
		this.sessions.add(session);
		session.start();
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
			health = this.client.getKVClient()
				.get(EtcdLayout.bytes(this.layout.keyPrefix()), GetOption.builder().withCountOnly(true).build())
				.orTimeout(this.requestTimeout.toNanos(), TimeUnit.NANOSECONDS)
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
	 * Returns {@link BackendCapability#SESSION_LEASE} (one lease per session) and
	 * {@link BackendCapability#OWN_REMOVALS_FIRST} (entries whose removal was sent do not
	 * hold this backend's later requests back).
	 * @return the capabilities
	 */
	@Override
	public Set<BackendCapability> capabilities() {
		return CAPABILITIES;
	}

	/**
	 * Closes the open sessions (revoking their leases, which deletes their entries) and
	 * the client if this backend built it. Idempotent.
	 */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		List.copyOf(this.sessions).forEach(EtcdLockSession::close);
		if (this.ownsClient) {
			this.client.close();
		}
		if (this.ownedTime != null) {
			this.ownedTime.close();
		}
	}

	/**
	 * Builds an {@link EtcdLockBackend}: either from a {@link Client} the application owns,
	 * or from endpoints and connection settings, in which case the backend owns the client
	 * it builds. Not thread-safe.
	 *
	 * @since 0.1.0
	 */
	public static final class Builder {

		private @Nullable Client client;

		private final List<String> endpoints = new ArrayList<>();

		private @Nullable String user;

		private @Nullable String password;

		private @Nullable String authority;

		private @Nullable SslContext sslContext;

		private @Nullable Path trustCertificates;

		private @Nullable Path keyCertChain;

		private @Nullable Path privateKey;

		private String keyPrefix = DEFAULT_KEY_PREFIX;

		private Duration requestTimeout = Duration.ofSeconds(5);

		private Builder() {
		}

		/**
		 * Uses a client the application owns; the backend never closes it. Excludes the
		 * connection settings of this builder.
		 * @param client the client
		 * @return this builder
		 */
		public Builder client(Client client) {
			this.client = Objects.requireNonNull(client, "'client' must not be null");
			return this;
		}

		/**
		 * The endpoints to connect to, for example {@code http://127.0.0.1:2379}; several
		 * for a cluster.
		 * @param endpoints the endpoint URIs
		 * @return this builder
		 */
		public Builder endpoints(String... endpoints) {
			return endpoints(List.of(endpoints));
		}

		/**
		 * The endpoints to connect to, for example {@code http://127.0.0.1:2379}; several
		 * for a cluster.
		 * @param endpoints the endpoint URIs
		 * @return this builder
		 */
		public Builder endpoints(List<String> endpoints) {
			Objects.requireNonNull(endpoints, "'endpoints' must not be null");
			for (String endpoint : endpoints) {
				if (endpoint == null || endpoint.isBlank()) {
					throw new IllegalArgumentException("'endpoints' must not contain blank entries");
				}
			}
			this.endpoints.clear();
			this.endpoints.addAll(endpoints);
			return this;
		}

		/**
		 * The user name for etcd authentication; needs {@link #password(String)}.
		 * @param user the user name
		 * @return this builder
		 */
		public Builder user(String user) {
			this.user = Objects.requireNonNull(user, "'user' must not be null");
			return this;
		}

		/**
		 * The password for etcd authentication.
		 * @param password the password; never logged
		 * @return this builder
		 */
		public Builder password(String password) {
			this.password = Objects.requireNonNull(password, "'password' must not be null");
			return this;
		}

		/**
		 * The authority (host name) to verify the server's TLS certificate against, when
		 * the endpoints are addresses that the certificate does not name.
		 * @param authority the authority
		 * @return this builder
		 */
		public Builder authority(String authority) {
			this.authority = Objects.requireNonNull(authority, "'authority' must not be null");
			return this;
		}

		/**
		 * A ready TLS context (build it with {@code GrpcSslContexts.forClient()}). Excludes
		 * the certificate files.
		 * @param sslContext the TLS context
		 * @return this builder
		 */
		public Builder sslContext(SslContext sslContext) {
			this.sslContext = Objects.requireNonNull(sslContext, "'sslContext' must not be null");
			return this;
		}

		/**
		 * The PEM file of the certificate authorities to trust, for TLS.
		 * @param caFile the CA certificates
		 * @return this builder
		 */
		public Builder trustCertificates(Path caFile) {
			this.trustCertificates = Objects.requireNonNull(caFile, "'caFile' must not be null");
			return this;
		}

		/**
		 * The client certificate and key (PEM, key in PKCS#8) for mutual TLS.
		 * @param certFile the client certificate chain
		 * @param keyFile the client's private key
		 * @return this builder
		 */
		public Builder clientCertificate(Path certFile, Path keyFile) {
			this.keyCertChain = Objects.requireNonNull(certFile, "'certFile' must not be null");
			this.privateKey = Objects.requireNonNull(keyFile, "'keyFile' must not be null");
			return this;
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
			Objects.requireNonNull(requestTimeout, "'requestTimeout' must not be null");
			if (requestTimeout.isNegative() || requestTimeout.isZero()) {
				throw new IllegalArgumentException("'requestTimeout' must be positive");
			}
			this.requestTimeout = requestTimeout;
			return this;
		}

		/**
		 * Builds the backend; with endpoints, it builds its own client (which connects
		 * lazily).
		 * @return the backend
		 * @throws IllegalStateException if neither or both of a client and endpoints are
		 * set, or the settings are incomplete
		 * @throws IllegalArgumentException if the TLS files cannot be read
		 */
		public EtcdLockBackend build() {
			if (this.client != null) {
				if (hasConnectionSettings()) {
					throw new IllegalStateException(
							"Set either 'client' or the connection settings ('endpoints', 'user', TLS), not both");
				}
				return new EtcdLockBackend(this.client, false, this.keyPrefix, this.requestTimeout, null);
			}
			if (this.endpoints.isEmpty()) {
				throw new IllegalStateException("Set 'endpoints' or 'client'");
			}
			return new EtcdLockBackend(buildClient(), true, this.keyPrefix, this.requestTimeout, null);
		}

		private boolean hasConnectionSettings() {
			return !this.endpoints.isEmpty() || this.user != null || this.password != null || this.authority != null
					|| this.sslContext != null || this.trustCertificates != null || this.keyCertChain != null;
		}

		private Client buildClient() {
			if ((this.user == null) != (this.password == null)) {
				throw new IllegalStateException("Set both 'user' and 'password', or neither");
			}
			if (this.sslContext != null && (this.trustCertificates != null || this.keyCertChain != null)) {
				throw new IllegalStateException("Set either 'sslContext' or the certificate files, not both");
			}
			ClientBuilder builder = Client.builder()
				.endpoints(this.endpoints.toArray(String[]::new))
				.connectTimeout(this.requestTimeout);
			if (this.user != null && this.password != null) {
				builder.user(ByteSequence.from(this.user, StandardCharsets.UTF_8))
					.password(ByteSequence.from(this.password, StandardCharsets.UTF_8));
			}
			if (this.authority != null) {
				builder.authority(this.authority);
			}
			if (this.sslContext != null) {
				builder.sslContext(this.sslContext);
			}
			else if (this.trustCertificates != null || this.keyCertChain != null) {
				builder.sslContext(buildSslContext());
			}
			return builder.build();
		}

		private SslContext buildSslContext() {
			try {
				SslContextBuilder tls = GrpcSslContexts.forClient();
				if (this.trustCertificates != null) {
					tls.trustManager(this.trustCertificates.toFile());
				}
				if (this.keyCertChain != null && this.privateKey != null) {
					tls.keyManager(this.keyCertChain.toFile(), this.privateKey.toFile());
				}
				return tls.build();
			}
			catch (SSLException | IllegalArgumentException ex) {
				throw new IllegalArgumentException("Cannot build the TLS context for etcd from the given files: " + ex,
						ex);
			}
		}

	}

}
