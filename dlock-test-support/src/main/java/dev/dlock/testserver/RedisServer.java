package dev.dlock.testserver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code redis-server} for integration tests, on a free loopback port, without persistence
 * ({@code --save "" --appendonly no}).
 * <p>
 * Use {@link #shared()} where a test does not disturb the server, and {@link #start()} (closing it) where it kills,
 * pauses or restarts it. After {@link #restart()} the server is empty (no persistence), except a cluster node,
 * which keeps its {@code nodes.conf} and so its identity and slots.
 *
 * @since 0.1.0
 */
public final class RedisServer extends TestServer {

	static final String BINARY = "redis-server";

	private static final String PACKAGE = "redis-server";

	private static final String IMAGE = "redis:7.0";

	private static final Shared<RedisServer> SHARED = new Shared<>(RedisServer::start);

	private final int clusterBusPort;

	private int tlsPort;

	private RedisServer(ServerRuntime runtime, Path directory, int port, int clusterBusPort) {
		super(BINARY, runtime, directory, port);
		this.clusterBusPort = clusterBusPort;
	}

	/**
	 * The server shared by every test in this JVM that does not disturb it; started on first use.
	 * @return the shared server
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static RedisServer shared() {
		return SHARED.get();
	}

	/**
	 * Starts a private server; the caller closes it.
	 * @return the started server, answering {@code PING}
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static RedisServer start() {
		return startWithRetries(() -> create(List.of(), 0, true));
	}

	/**
	 * Starts a private server that also serves clients over TLS, on {@link #tlsUri()}, with
	 * the server certificate of {@code certificates}; the caller closes it. Needs the local
	 * binary.
	 * @param certificates the server's certificate and key
	 * @return the started server
	 */
	public static RedisServer startWithTls(TestCertificates certificates) {
		return startWithRetries(() -> {
			int tlsPort = Ports.free();
			RedisServer server = create(List.of("--tls-port", Integer.toString(tlsPort), "--tls-cert-file",
					certificates.serverCertificate().toString(), "--tls-key-file", certificates.serverKey().toString(),
					"--tls-ca-cert-file", certificates.caFile().toString(), "--tls-auth-clients", "no"), 0, false);
			server.tlsPort = tlsPort;
			return server;
		});
	}

	/**
	 * Starts a private replica of {@code primary}; the caller closes it. Needs the local
	 * binary.
	 * @param primary the server to replicate
	 * @return the started replica (it may still be syncing)
	 */
	public static RedisServer startReplicaOf(RedisServer primary) {
		return startWithRetries(() -> create(List.of("--replicaof", primary.host(), Integer.toString(primary.port())),
				0, false));
	}

	/** A cluster node (not started yet); clusters need the local binary. */
	static RedisServer clusterNode() {
		// an explicit bus port: the default (port + 10000) could be taken, or be in the ephemeral range
		int busPort = Ports.free();
		return create(List.of("--cluster-enabled", "yes", "--cluster-port", Integer.toString(busPort),
				"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
				// a killed master must not take the other masters' slots down with it (there are no replicas)
				"--cluster-require-full-coverage", "no"), busPort, false);
	}

	private static RedisServer create(List<String> extraArguments, int clusterBusPort, boolean containerFallback) {
		Path directory = newDirectory("redis");
		int port = Ports.free();
		List<String> arguments = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--dir", directory.toString(), "--daemonize", "no",
				"--protected-mode", "no"));
		arguments.addAll(extraArguments);
		ServerRuntime runtime = Runtimes.create(BINARY, PACKAGE, arguments, directory,
				containerFallback ? () -> new DockerContainer(IMAGE,
						List.of("redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no"),
						Map.of(6379, port)) : null);
		return new RedisServer(runtime, directory, port, clusterBusPort);
	}

	/**
	 * The URI for Lettuce and Spring: {@code redis://127.0.0.1:PORT}.
	 * @return the URI
	 */
	public String uri() {
		return "redis://" + host() + ":" + port();
	}

	/**
	 * The TLS URI of a server started with {@link #startWithTls}: {@code rediss://127.0.0.1:PORT}.
	 * @return the URI
	 * @throws IllegalStateException if the server has no TLS port
	 */
	public String tlsUri() {
		if (this.tlsPort == 0) {
			throw new IllegalStateException(this + " was started without TLS");
		}
		return "rediss://" + host() + ":" + this.tlsPort;
	}

	/** The cluster bus port of a cluster node, 0 for a standalone server. */
	int clusterBusPort() {
		return this.clusterBusPort;
	}

	/** Sends one command over a fresh connection and returns the reply (see {@link Resp}). */
	@org.jspecify.annotations.Nullable Object call(String... command) throws java.io.IOException {
		return Resp.call(host(), port(), PING_TIMEOUT, command);
	}

	@Override
	void ping() throws Exception {
		Object reply = call("PING");
		if (!"PONG".equals(reply)) {
			throw new IllegalStateException("PING answered " + reply);
		}
	}

}
