package dev.dlock.testserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code nats-server} with JetStream ({@code -js -sd <folder>}) for integration tests, on free loopback client
 * and monitoring ports. Its JetStream file storage is kept across {@link #restart()}.
 * <p>
 * Use {@link #shared()} where a test does not disturb the server, and {@link #start()} (closing it) where it kills,
 * pauses or restarts it. Members of a {@link NatsCluster} are {@code NatsServer}s too. Readiness is the monitoring
 * port's {@code /healthz}, which on a cluster member also waits for the JetStream meta leader.
 *
 * @since 0.1.0
 */
public final class NatsServer extends TestServer {

	static final String BINARY = "nats-server";

	private static final String PACKAGE = "nats-server";

	private static final String IMAGE = "nats:2.9";

	private static final Shared<NatsServer> SHARED = new Shared<>(NatsServer::start);

	private final String serverName;

	private final int monitorPort;

	private NatsServer(ServerRuntime runtime, Path directory, String serverName, int port, int monitorPort) {
		super(BINARY, runtime, directory, port);
		this.serverName = serverName;
		this.monitorPort = monitorPort;
	}

	/**
	 * The server shared by every test in this JVM that does not disturb it; started on first use.
	 * @return the shared server
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static NatsServer shared() {
		return SHARED.get();
	}

	/**
	 * Starts a private server; the caller closes it.
	 * @return the started server, with JetStream ready
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static NatsServer start() {
		return startWithRetries(() -> create("single", Ports.free(), List.of(), true));
	}

	/**
	 * Starts a private server that accepts clients only over TLS, with the server
	 * certificate of {@code certificates}, and only with the given user and password; the
	 * caller closes it. Needs the local binary.
	 * @param certificates the server's certificate and key
	 * @param user the one user
	 * @param password its password
	 * @return the started server, with JetStream ready
	 */
	public static NatsServer startSecured(TestCertificates certificates, String user, String password) {
		return startPrivate(tls(certificates, "--user", user, "--pass", password));
	}

	/**
	 * Starts a private server that accepts clients only over TLS and only with a client
	 * certificate signed by the authority of {@code certificates} (mutual TLS); the caller
	 * closes it. Needs the local binary.
	 * @param certificates the authority and the server's certificate and key
	 * @return the started server, with JetStream ready
	 */
	public static NatsServer startWithMutualTls(TestCertificates certificates) {
		return startPrivate(tls(certificates, "--tlsverify", "--tlscacert", certificates.caFile().toString()));
	}

	/**
	 * Starts a private server that accepts only clients that present the given token; the
	 * caller closes it. Needs the local binary.
	 * @param token the token
	 * @return the started server, with JetStream ready
	 */
	public static NatsServer startWithToken(String token) {
		return startPrivate(List.of("--auth", token));
	}

	/**
	 * Starts a private server that accepts only the user of the given NKey (who proves it
	 * by signing the server's nonce, as a credentials file lets jnats do); the caller
	 * closes it. Needs the local binary.
	 * @param userPublicKey the user's public NKey ({@code U...})
	 * @return the started server, with JetStream ready
	 */
	public static NatsServer startWithNkeyUser(String userPublicKey) {
		Path configuration = newDirectory("nats-config").resolve("nkey-user.conf");
		try {
			Files.writeString(configuration, "authorization {\n  users = [ { nkey: \"" + userPublicKey + "\" } ]\n}\n");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return startPrivate(List.of("-c", configuration.toString()));
	}

	/** Starts a single private server with extra arguments, from the local binary only. */
	private static NatsServer startPrivate(List<String> arguments) {
		return startWithRetries(() -> create("single", Ports.free(), arguments, false));
	}

	/** The arguments that serve clients only over TLS with the server certificate, then more. */
	private static List<String> tls(TestCertificates certificates, String... more) {
		List<String> arguments = new ArrayList<>(List.of("--tls", "--tlscert", certificates.serverCertificate().toString(),
				"--tlskey", certificates.serverKey().toString()));
		arguments.addAll(List.of(more));
		return arguments;
	}

	/**
	 * A cluster member (not started yet), from {@link ClusterBinary the cluster binary}.
	 * @param clusterPort this member's route port
	 * @param routes the route URLs of the other members
	 */
	static NatsServer member(String name, String clusterName, int clusterPort, List<String> routes) {
		return create(ClusterBinary.find(), name, Ports.free(), List.of("--cluster_name", clusterName, "--cluster",
				"nats://127.0.0.1:" + clusterPort, "--routes", String.join(",", routes)), false);
	}

	private static NatsServer create(String name, int port, List<String> extraArguments, boolean containerFallback) {
		return create(Runtimes.find(BINARY), name, port, extraArguments, containerFallback);
	}

	private static NatsServer create(Optional<Path> executable, String name, int port, List<String> extraArguments,
			boolean containerFallback) {
		Path directory = newDirectory("nats");
		int monitorPort = Ports.free();
		List<String> arguments = new ArrayList<>(List.of("-n", name, "-a", "127.0.0.1", "-p", Integer.toString(port),
				"-m", Integer.toString(monitorPort), "-js", "-sd", directory.resolve("jetstream").toString()));
		arguments.addAll(extraArguments);
		ServerRuntime runtime = Runtimes.create(executable, BINARY, PACKAGE, arguments, directory,
				containerFallback ? () -> new DockerContainer(IMAGE,
						List.of("-n", name, "-p", "4222", "-m", "8222", "-js", "-sd", "/data/jetstream"),
						Map.of(4222, port, 8222, monitorPort)) : null);
		return new NatsServer(runtime, directory, name, port, monitorPort);
	}

	/**
	 * The client URL for jnats: {@code nats://127.0.0.1:PORT}.
	 * @return the URL
	 */
	public String url() {
		return "nats://" + host() + ":" + port();
	}

	/**
	 * The client URL for jnats over TLS: {@code tls://127.0.0.1:PORT}.
	 * @return the URL
	 */
	public String tlsUrl() {
		return "tls://" + host() + ":" + port();
	}

	/**
	 * The server name ({@code -n}), as JetStream reports it for the meta leader.
	 * @return the name
	 */
	public String name() {
		return this.serverName;
	}

	/**
	 * The HTTP monitoring port ({@code /healthz}, {@code /jsz}, {@code /varz}).
	 * @return the port
	 */
	public int monitorPort() {
		return this.monitorPort;
	}

	/** GETs a monitoring endpoint, for example {@code /jsz}. */
	String monitor(String path) throws java.io.IOException {
		return Http.get("http://" + host() + ":" + this.monitorPort + path, PING_TIMEOUT);
	}

	@Override
	void ping() throws Exception {
		String health = monitor("/healthz");
		if (!health.replace(" ", "").contains("\"status\":\"ok\"")) {
			throw new IllegalStateException("/healthz answered " + health);
		}
	}

}
