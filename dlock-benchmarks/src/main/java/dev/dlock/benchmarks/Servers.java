package dev.dlock.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.nats.client.Connection;
import io.nats.client.Nats;

/**
 * The benchmark's own {@code redis-server}, {@code etcd} and {@code nats-server} (JetStream),
 * started on free loopback ports by dlock's test fixtures, so that the shared system
 * services are never loaded and every run starts from empty servers. Also reads each
 * server's request counter.
 */
final class Servers implements AutoCloseable {

	private static final Pattern ETCD_MESSAGES = Pattern
		.compile("^grpc_server_msg_received_total\\{[^}]*} ([0-9.e+]+)$", Pattern.MULTILINE);

	private static final Pattern SCRIPT_CALLS = Pattern
		.compile("^cmdstat_(?:eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro):calls=(\\d+)", Pattern.MULTILINE);

	private static final Pattern NATS_IN_MESSAGES = Pattern.compile("\"in_msgs\":\\s*(\\d+)");

	private final RedisServer redis;

	private final EtcdServer etcd;

	private final NatsServer nats;

	private final RedisClient redisClient;

	private final StatefulRedisConnection<String, String> admin;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private Servers(RedisServer redis, EtcdServer etcd, NatsServer nats) {
		this.redis = redis;
		this.etcd = etcd;
		this.nats = nats;
		this.redisClient = RedisClient.create(redis.uri());
		this.admin = this.redisClient.connect();
	}

	static Servers start() {
		RedisServer redis = RedisServer.start();
		EtcdServer etcd = EtcdServer.start();
		NatsServer nats = NatsServer.start();
		return new Servers(redis, etcd, nats);
	}

	/** A Lettuce client shared by everything that talks to Redis through Lettuce; each connect is its own connection. */
	RedisClient redisClient() {
		return this.redisClient;
	}

	String redisUri() {
		return this.redis.uri();
	}

	String redisHost() {
		return this.redis.host();
	}

	int redisPort() {
		return this.redis.port();
	}

	String etcdEndpoint() {
		return this.etcd.endpoint();
	}

	String natsUrl() {
		return this.nats.url();
	}

	String redisVersion() {
		Matcher matcher = Pattern.compile("redis_version:(\\S+)").matcher(this.admin.sync().info("server"));
		return matcher.find() ? matcher.group(1) : "?";
	}

	String etcdVersion() throws IOException, InterruptedException {
		Matcher matcher = Pattern.compile("\"etcdserver\":\"([^\"]+)\"").matcher(get(this.etcd.endpoint() + "/version"));
		return matcher.find() ? matcher.group(1) : "?";
	}

	String natsVersion() throws IOException, InterruptedException {
		try (Connection connection = Nats.connect(this.nats.url())) {
			return connection.getServerInfo().getVersion();
		}
	}

	/**
	 * A running count of client requests the server received: on Redis the script calls
	 * ({@code EVAL}, {@code EVALSHA} and {@code FCALL}, because commands run inside a script
	 * are counted like client commands), on etcd the gRPC messages, on NATS the messages in.
	 * @param server {@code redis}, {@code etcd} or {@code nats}
	 * @return the count, or -1 for a server without a counter
	 */
	long requests(String server) {
		try {
			return switch (server) {
				case "redis" -> sum(SCRIPT_CALLS, this.admin.sync().info("commandstats"));
				case "etcd" -> sum(ETCD_MESSAGES, get(this.etcd.endpoint() + "/metrics"));
				case "nats" -> sum(NATS_IN_MESSAGES, get("http://" + this.nats.host() + ":" + this.nats.monitorPort() + "/varz"));
				default -> -1;
			};
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not read the request count of " + server, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	/** A section of the benchmark's Redis server's {@code INFO}, for example {@code commandstats}. */
	String redisInfo(String section) {
		return this.admin.sync().info(section);
	}

	/** The benchmark's etcd server's Prometheus metrics. */
	String etcdMetrics() throws IOException, InterruptedException {
		return get(this.etcd.endpoint() + "/metrics");
	}

	/**
	 * A page of the benchmark's NATS server's monitoring endpoint.
	 * @param path for example {@code /varz} or {@code /jsz?accounts=true&streams=true}
	 */
	String natsMonitor(String path) throws IOException, InterruptedException {
		return get("http://" + this.nats.host() + ":" + this.nats.monitorPort() + path);
	}

	static long sum(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		double total = 0;
		while (matcher.find()) {
			total += Double.parseDouble(matcher.group(1));
		}
		return (long) total;
	}

	private String get(String url) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString()).body();
	}

	@Override
	public void close() {
		this.admin.close();
		this.redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.nats.close();
		this.etcd.close();
		this.redis.close();
	}

}
