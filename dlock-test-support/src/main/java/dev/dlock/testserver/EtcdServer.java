package dev.dlock.testserver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * An {@code etcd} (3.4) member for integration tests, on free loopback client and peer ports, with its data in a
 * temporary folder that is kept across {@link #restart()}.
 * <p>
 * Use {@link #shared()} where a test does not disturb the server, and {@link #start()} (closing it) where it kills,
 * pauses or restarts it. Members of an {@link EtcdCluster} are {@code EtcdServer}s too.
 *
 * @since 0.1.0
 */
public final class EtcdServer extends TestServer {

	static final String BINARY = "etcd";

	private static final String PACKAGE = "etcd-server";

	private static final String IMAGE = "quay.io/coreos/etcd:v3.4.23";

	private static final Shared<EtcdServer> SHARED = new Shared<>(EtcdServer::start);

	private final String memberName;

	private final int peerPort;

	private final int tlsPort;

	private EtcdServer(ServerRuntime runtime, Path directory, String memberName, int clientPort, int peerPort,
			int tlsPort) {
		super(BINARY, runtime, directory, clientPort);
		this.tlsPort = tlsPort;
		this.memberName = memberName;
		this.peerPort = peerPort;
	}

	/**
	 * The server shared by every test in this JVM that does not disturb it; started on first use.
	 * @return the shared server
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static EtcdServer shared() {
		return SHARED.get();
	}

	/**
	 * Starts a private single-member server; the caller closes it.
	 * @return the started server, reporting {@code /health} true
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static EtcdServer start() {
		return startWithRetries(() -> {
			int clientPort = Ports.free();
			int peerPort = Ports.free();
			return create("single", clientPort, peerPort, "single=" + peerUrl(peerPort), "single-" + peerPort, true,
					null);
		});
	}

	/**
	 * Starts a private single-member server that also serves clients over TLS, on
	 * {@link #tlsEndpoint()}, with the server certificate of {@code certificates}; the caller
	 * closes it. Needs the local binary.
	 * @param certificates the server's certificate and key
	 * @return the started server
	 */
	public static EtcdServer startWithTls(TestCertificates certificates) {
		return startWithTls(certificates, false);
	}

	/**
	 * Like {@link #startWithTls}, but the TLS endpoint also demands a client certificate
	 * signed by the authority of {@code certificates} (mutual TLS).
	 * @param certificates the authority and the server's certificate and key
	 * @return the started server
	 */
	public static EtcdServer startWithMutualTls(TestCertificates certificates) {
		return startWithTls(certificates, true);
	}

	private static EtcdServer startWithTls(TestCertificates certificates, boolean clientCertificates) {
		return startWithRetries(() -> {
			int clientPort = Ports.free();
			int peerPort = Ports.free();
			int tlsPort = Ports.free();
			return create("single", clientPort, peerPort, "single=" + peerUrl(peerPort), "single-" + peerPort, false,
					new Tls(tlsPort, certificates, clientCertificates));
		});
	}

	/**
	 * A cluster member (not started yet); clusters need the local binary.
	 * @param clusterToken the same for every member of one cluster
	 */
	static EtcdServer member(String name, int clientPort, int peerPort, String initialCluster, String clusterToken) {
		return create(name, clientPort, peerPort, initialCluster, clusterToken, false, null);
	}

	static String peerUrl(int peerPort) {
		return "http://127.0.0.1:" + peerPort;
	}

	private static EtcdServer create(String name, int clientPort, int peerPort, String initialCluster,
			String clusterToken, boolean containerFallback, @Nullable Tls tls) {
		Path directory = newDirectory("etcd");
		String clientUrls = "http://127.0.0.1:" + clientPort;
		if (tls != null) {
			// plain HTTP stays for the fixture's health checks
			clientUrls += "," + tlsUrl(tls.port());
		}
		// the initial-cluster flags only matter on the first start: a restart finds the member in its data folder
		List<String> arguments = new ArrayList<>(List.of("--name", name, "--data-dir",
				directory.resolve("data").toString(), "--listen-client-urls", clientUrls, "--advertise-client-urls",
				clientUrls, "--listen-peer-urls", peerUrl(peerPort), "--initial-advertise-peer-urls", peerUrl(peerPort),
				"--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token",
				clusterToken));
		if (tls != null) {
			arguments.addAll(List.of("--cert-file", tls.certificates().serverCertificate().toString(), "--key-file",
					tls.certificates().serverKey().toString()));
			if (tls.clientCertificates()) {
				arguments.addAll(List.of("--client-cert-auth", "--trusted-ca-file", tls.certificates().caFile().toString()));
			}
		}
		ServerRuntime runtime = Runtimes.create(BINARY, PACKAGE, arguments, directory,
				containerFallback ? () -> new DockerContainer(IMAGE,
						List.of("/usr/local/bin/etcd", "--name", name, "--data-dir", "/etcd-data",
								"--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls",
								"http://" + DockerContainer.dockerHost() + ":" + clientPort, "--listen-peer-urls",
								"http://0.0.0.0:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
								"--initial-cluster", name + "=http://127.0.0.1:2380"),
						Map.of(2379, clientPort, 2380, peerPort)) : null);
		return new EtcdServer(runtime, directory, name, clientPort, peerPort, (tls != null) ? tls.port() : 0);
	}

	private static String tlsUrl(int port) {
		return "https://127.0.0.1:" + port;
	}

	/**
	 * The TLS client endpoint of a server started with {@link #startWithTls}:
	 * {@code https://127.0.0.1:PORT}.
	 * @return the endpoint
	 * @throws IllegalStateException if the server has no TLS endpoint
	 */
	public String tlsEndpoint() {
		if (this.tlsPort == 0) {
			throw new IllegalStateException(this + " was started without TLS");
		}
		return tlsUrl(this.tlsPort);
	}

	/**
	 * The client endpoint for jetcd: {@code http://127.0.0.1:PORT}.
	 * @return the endpoint
	 */
	public String endpoint() {
		return "http://" + host() + ":" + port();
	}

	/**
	 * The member's name in its cluster ({@code single} for a single server).
	 * @return the name
	 */
	public String name() {
		return this.memberName;
	}

	/**
	 * The peer (raft) port.
	 * @return the port
	 */
	public int peerPort() {
		return this.peerPort;
	}

	/**
	 * This member's status from {@code /v3/maintenance/status}, as raw JSON (ids are decimal strings): has
	 * {@code header.member_id} and {@code leader}.
	 */
	String status() throws java.io.IOException {
		return Http.post(endpoint() + "/v3/maintenance/status", "{}", PING_TIMEOUT);
	}

	/**
	 * Whether this member is the raft leader now.
	 * @return {@code true} if its status names itself as the leader
	 * @throws IllegalStateException if the member does not answer
	 */
	public boolean isLeader() {
		try {
			String status = status();
			return Json.string(status, "leader").equals(Json.string(status, "member_id"));
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(this + " did not answer a status call", ex);
		}
	}

	@Override
	void ping() throws Exception {
		String health = Http.get(endpoint() + "/health", PING_TIMEOUT);
		if (!health.replace(" ", "").contains("\"health\":\"true\"")) {
			throw new IllegalStateException("/health answered " + health);
		}
	}


	private record Tls(int port, TestCertificates certificates, boolean clientCertificates) {
	}

}
