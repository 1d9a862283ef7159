package dev.dlock.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.dlock.spring.aop.DistributedLockAdvisor;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties for dlock.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("dlock")
public class DlockProperties {

	/**
	 * Whether to enable dlock's auto-configuration.
	 */
	private boolean enabled = true;

	/**
	 * Lock backend to use. When not set, the one backend whose client is on the class
	 * path and whose connection is configured is used; the in-memory backend is used only
	 * when named.
	 */
	private @Nullable Backend backend;

	/**
	 * Prefix of every key that dlock writes on Redis or etcd, to keep the locks of
	 * applications that share a server apart. When not set, the backend's default:
	 * "dlock:" on Redis, "dlock/" on etcd (where it must end with "/"). On NATS, locks are
	 * kept apart by their bucket instead.
	 */
	private @Nullable String keyPrefix;

	/**
	 * How long the backend keeps the lock of a holder that stopped renewing it (crashed or
	 * cut off). Held locks are renewed automatically.
	 */
	private Duration leaseTime = Duration.ofSeconds(30);

	/**
	 * How long a @DistributedLock method waits for its lock when the annotation does not
	 * set a wait time, and how long ReactiveLockManager's usingLock without options waits.
	 */
	private Duration waitTime = Duration.ofSeconds(10);

	private final Renewal renewal = new Renewal();

	private final Aop aop = new Aop();

	private final Redis redis = new Redis();

	private final Etcd etcd = new Etcd();

	private final Nats nats = new Nats();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable Backend getBackend() {
		return this.backend;
	}

	public void setBackend(@Nullable Backend backend) {
		this.backend = backend;
	}

	public @Nullable String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(@Nullable String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

	public Duration getLeaseTime() {
		return this.leaseTime;
	}

	public void setLeaseTime(Duration leaseTime) {
		this.leaseTime = leaseTime;
	}

	public Duration getWaitTime() {
		return this.waitTime;
	}

	public void setWaitTime(Duration waitTime) {
		this.waitTime = waitTime;
	}

	public Renewal getRenewal() {
		return this.renewal;
	}

	public Aop getAop() {
		return this.aop;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Etcd getEtcd() {
		return this.etcd;
	}

	public Nats getNats() {
		return this.nats;
	}

	/**
	 * The lock backends, in the order in which they are detected. This is the one table
	 * that chooses the backend: each entry names its configuration class (imported in
	 * this order by {@link DlockAutoConfiguration}), what tells that its connection is
	 * configured, and how to set it up when start-up finds no backend.
	 */
	public enum Backend {

		/**
		 * Redis through the application's Spring Data Redis (Lettuce) connection. Any
		 * Spring Data Redis connection selects it, so that a Jedis one fails the start-up
		 * with a message that names Lettuce.
		 */
		REDIS(RedisLockBackendConfiguration.class,
				LockBackendDetection.requiredBean("org.springframework.data.redis.connection.RedisConnectionFactory"),
				"add spring-boot-starter-data-redis (Lettuce) and configure spring.data.redis.* "
						+ "(host and port, url, sentinel or cluster)"),

		/**
		 * etcd through jetcd.
		 */
		ETCD(EtcdLockBackendConfiguration.class,
				LockBackendDetection.beanOrProperties("io.etcd.jetcd.Client",
						"dev.dlock.autoconfigure.EtcdConnectionDetails", "dlock.etcd.endpoints"),
				"add io.etcd:jetcd-core and set dlock.etcd.endpoints"),

		/**
		 * NATS JetStream key-value through jnats.
		 */
		NATS(NatsLockBackendConfiguration.class,
				LockBackendDetection.beanOrProperties("io.nats.client.Connection",
						"dev.dlock.autoconfigure.NatsConnectionDetails", "dlock.nats.url", "dlock.nats.servers"),
				"add io.nats:jnats and set dlock.nats.url (a JetStream-enabled server)"),

		/**
		 * In-memory locks inside one JVM, for tests and demos.
		 */
		MEMORY(InMemoryLockBackendConfiguration.class,
				LockBackendDetection.onlyWhenNamed("the in-memory backend is used only when dlock.backend=memory"),
				"set dlock.backend=memory (locks inside one JVM only: for tests and demos)");

		private final String configurationClass;

		private final LockBackendDetection detection;

		private final String howTo;

		/**
		 * One entry of the table. The configuration class is kept by name, as Spring Boot
		 * keeps its cache configurations: naming it loads the class without linking it, so
		 * the backend's client classes, which may be absent, are not needed here.
		 */
		Backend(Class<?> configurationClass, LockBackendDetection detection, String howTo) {
			this.configurationClass = configurationClass.getName();
			this.detection = detection;
			this.howTo = howTo;
		}

		/**
		 * The name of the configuration class that sets the backend up.
		 * @return the class name
		 */
		String configurationClass() {
			return this.configurationClass;
		}

		/**
		 * What tells that the backend's connection is configured.
		 * @return the detection rule
		 */
		LockBackendDetection detection() {
			return this.detection;
		}

		/**
		 * How to set the backend up, as the failure analysis reports it.
		 * @return the advice
		 */
		String howTo() {
			return this.howTo;
		}

		/**
		 * The value of {@code dlock.backend} that names this backend.
		 * @return the name in lower case
		 */
		String value() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * Lease renewal properties. Held locks and waiting requests are always renewed.
	 */
	public static class Renewal {

		/**
		 * How often held locks and waiting requests are renewed. When not set, a third of
		 * the lease time.
		 */
		private @Nullable Duration interval;

		public @Nullable Duration getInterval() {
			return this.interval;
		}

		public void setInterval(@Nullable Duration interval) {
			this.interval = interval;
		}

	}

	/**
	 * Redis backend properties. The connection is the application's Spring Data Redis
	 * one.
	 */
	public static class Redis {

		/**
		 * How long a lock's value block is kept after its last write, or after a lost PW or
		 * EX holder marked it invalid. Every application on one key prefix should use the
		 * same.
		 */
		private Duration valueRetention = Duration.ofDays(1);

		public Duration getValueRetention() {
			return this.valueRetention;
		}

		public void setValueRetention(Duration valueRetention) {
			this.valueRetention = valueRetention;
		}

	}

	/**
	 * Properties of the @DistributedLock interceptor.
	 */
	public static class Aop {

		/**
		 * Order of the @DistributedLock advisor among other advisors. The default is
		 * ahead of @Transactional, so that the lock is taken before the transaction starts
		 * and released after it commits or rolls back.
		 */
		private int order = DistributedLockAdvisor.DEFAULT_ORDER;

		public int getOrder() {
			return this.order;
		}

		public void setOrder(int order) {
			this.order = order;
		}

	}

	/**
	 * TLS properties of a backend connection.
	 */
	public static class Tls {

		/**
		 * Whether to connect with TLS. Without an SSL bundle, the JVM's default trust
		 * store is used.
		 */
		private boolean enabled;

		/**
		 * Name of the SSL bundle (spring.ssl.bundle.*) with the trust material and, for
		 * client certificates, the key material.
		 */
		private @Nullable String bundle;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getBundle() {
			return this.bundle;
		}

		public void setBundle(@Nullable String bundle) {
			this.bundle = bundle;
		}

	}

	/**
	 * Login and TLS properties of the connection to a backend's server, shared by etcd
	 * and NATS.
	 */
	public abstract static class ServerConnection {

		/**
		 * Login user.
		 */
		private @Nullable String user;

		/**
		 * Login password.
		 */
		private @Nullable String password;

		private final Tls tls = new Tls();

		public @Nullable String getUser() {
			return this.user;
		}

		public void setUser(@Nullable String user) {
			this.user = user;
		}

		public @Nullable String getPassword() {
			return this.password;
		}

		public void setPassword(@Nullable String password) {
			this.password = password;
		}

		public Tls getTls() {
			return this.tls;
		}

	}

	/**
	 * etcd properties. The connection properties are used when no jetcd Client bean and
	 * no EtcdConnectionDetails bean is defined.
	 */
	public static class Etcd extends ServerConnection {

		/**
		 * etcd endpoints, such as http://127.0.0.1:2379. Setting them selects etcd when
		 * the backend is detected. Default http://127.0.0.1:2379 when the etcd backend is
		 * named explicitly.
		 */
		private List<String> endpoints = new ArrayList<>();

		/**
		 * Host name to verify the server's TLS certificate against, when the endpoints are
		 * addresses that the certificate does not name.
		 */
		private @Nullable String authority;

		/**
		 * How long to wait for etcd's answer to one request before it counts as failed;
		 * also how long the auto-configured client waits to connect.
		 */
		private Duration requestTimeout = Duration.ofSeconds(5);

		/**
		 * How long a lock's value block is kept after its last write (and a lost writer's
		 * mark after it was written); at least an hour.
		 */
		private Duration valueRetention = Duration.ofDays(1);

		public List<String> getEndpoints() {
			return this.endpoints;
		}

		public void setEndpoints(List<String> endpoints) {
			this.endpoints = endpoints;
		}

		public @Nullable String getAuthority() {
			return this.authority;
		}

		public void setAuthority(@Nullable String authority) {
			this.authority = authority;
		}

		public Duration getRequestTimeout() {
			return this.requestTimeout;
		}

		public void setRequestTimeout(Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
		}

		public Duration getValueRetention() {
			return this.valueRetention;
		}

		public void setValueRetention(Duration valueRetention) {
			this.valueRetention = valueRetention;
		}

	}

	/**
	 * NATS properties. The connection properties are used when no jnats Connection bean
	 * and no NatsConnectionDetails bean is defined.
	 */
	public static class Nats extends ServerConnection {

		/**
		 * NATS server URL, such as nats://127.0.0.1:4222. Setting it (or servers) selects
		 * NATS when the backend is detected. Default nats://localhost:4222 when the NATS
		 * backend is named explicitly.
		 */
		private @Nullable String url;

		/**
		 * NATS server URLs of a cluster, tried in turn; used together with the url.
		 */
		private List<String> servers = new ArrayList<>();

		/**
		 * Path of a NATS credentials file (user JWT and NKey seed), such as
		 * /etc/nats/app.creds.
		 */
		private @Nullable String credentials;

		/**
		 * Authentication token.
		 */
		private @Nullable String token;

		/**
		 * Name of the connection, as the server shows it in monitoring.
		 */
		private String connectionName = "dlock";

		/**
		 * How long to wait for a connection to the server.
		 */
		private Duration connectTimeout = Duration.ofSeconds(2);

		/**
		 * How long one request to the server may take before it counts as failed.
		 */
		private Duration requestTimeout = Duration.ofSeconds(2);

		/**
		 * Name of the JetStream key-value bucket that holds the locks.
		 */
		private String bucket = "dlock";

		/**
		 * Number of buckets the locks are sharded over, each a stream with its own leader:
		 * 1 is the bucket named by "bucket"; with n above 1 the buckets are that name with
		 * "-0" to "-(n-1)" appended. Every instance must use the same number; changing it
		 * needs all instances stopped.
		 */
		private int buckets = 1;

		/**
		 * Number of replicas of the lock bucket when dlock creates it (1 to 5; use 3 on
		 * a cluster; more than 1 needs nats-server 2.9.21 or later).
		 */
		private int replicas = 1;

		public @Nullable String getUrl() {
			return this.url;
		}

		public void setUrl(@Nullable String url) {
			this.url = url;
		}

		public List<String> getServers() {
			return this.servers;
		}

		public void setServers(List<String> servers) {
			this.servers = servers;
		}

		public @Nullable String getCredentials() {
			return this.credentials;
		}

		public void setCredentials(@Nullable String credentials) {
			this.credentials = credentials;
		}

		public @Nullable String getToken() {
			return this.token;
		}

		public void setToken(@Nullable String token) {
			this.token = token;
		}

		public String getConnectionName() {
			return this.connectionName;
		}

		public void setConnectionName(String connectionName) {
			this.connectionName = connectionName;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getRequestTimeout() {
			return this.requestTimeout;
		}

		public void setRequestTimeout(Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
		}

		public String getBucket() {
			return this.bucket;
		}

		public void setBucket(String bucket) {
			this.bucket = bucket;
		}

		public int getBuckets() {
			return this.buckets;
		}

		public void setBuckets(int buckets) {
			this.buckets = buckets;
		}

		public int getReplicas() {
			return this.replicas;
		}

		public void setReplicas(int replicas) {
			this.replicas = replicas;
		}

	}

}
