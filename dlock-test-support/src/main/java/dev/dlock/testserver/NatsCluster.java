package dev.dlock.testserver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

/**
 * A NATS cluster with JetStream on loopback: routes between all members, each with its own file storage kept
 * across a restart. {@link #start(int)} returns once the JetStream meta leader is elected, every member sees
 * it, and it places streams on every member; {@link #metaLeader()} names it. Members run
 * {@link ClusterBinary the cluster binary}.
 *
 * @since 0.1.0
 */
public final class NatsCluster extends TestCluster<NatsServer> {

	private static final String CLUSTER_NAME = "dlock";

	private static final String PLACEMENT_CHECK = "dlock_placement_check";

	/**
	 * How many fresh clusters {@link #start(int)} tries: now and then a new 2.10 cluster elects its meta leader at
	 * once but never places a replicated stream ("no suitable peers for placement" for all of
	 * {@link #healthyTimeout()}), while a cluster started again right after does.
	 */
	private static final int START_ATTEMPTS = 3;

	private static final LeaderView<NatsServer> META_LEADER = new LeaderView<>() {

		@Override
		public String leaderOf(NatsServer member) throws Exception {
			return Json.string(member.monitor("/jsz"), "leader");
		}

		@Override
		public boolean isNamed(NatsServer member, String leader) {
			return member.name().equals(leader);
		}

	};

	private NatsCluster(List<NatsServer> members) {
		super(members);
	}

	/**
	 * Starts a cluster and waits until every member is routed to all others, they agree on the JetStream meta
	 * leader, and it places replicated streams; a cluster that does not get there is closed and a fresh one
	 * started, up to three in all.
	 * @param size the number of servers (1 to 9)
	 * @return the started cluster; the caller closes it
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static NatsCluster start(int size) {
		requireSize(size);
		IllegalStateException unhealthy = null;
		for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
			try {
				return startOnce(size);
			}
			catch (IllegalStateException ex) {
				if (!String.valueOf(ex.getMessage()).contains("did not become healthy")) {
					throw ex;
				}
				if (unhealthy == null) {
					unhealthy = ex;
				}
				else {
					unhealthy.addSuppressed(ex);
				}
			}
		}
		throw unhealthy;
	}

	private static NatsCluster startOnce(int size) {
		List<Integer> clusterPorts = new ArrayList<>();
		for (int i = 0; i < size; i++) {
			clusterPorts.add(Ports.free());
		}
		return start(size, (i) -> {
			List<String> routes = new ArrayList<>();
			for (int j = 0; j < size; j++) {
				if (j != i) {
					routes.add("nats://127.0.0.1:" + clusterPorts.get(j));
				}
			}
			return NatsServer.member("n" + i, CLUSTER_NAME, clusterPorts.get(i), routes);
		}, NatsCluster::new);
	}

	/**
	 * The client URLs, {@code nats://127.0.0.1:PORT}, for jnats.
	 * @return one URL per server
	 */
	public List<String> urls() {
		return members().stream().map(NatsServer::url).toList();
	}

	/**
	 * The JetStream meta leader, waiting (up to 30 s) until the running members agree on one that runs.
	 * @return the meta leader
	 * @throws IllegalStateException if there is none in time
	 */
	public NatsServer metaLeader() {
		return awaitLeader(META_LEADER);
	}

	@Override
	void checkHealthy() throws Exception {
		for (NatsServer member : members()) {
			member.ping();
			String routes = Json.string(member.monitor("/routez"), "num_routes");
			if (Integer.parseInt(routes) < members().size() - 1) {
				throw new IllegalStateException(member + " has " + routes + " routes");
			}
		}
		agreedLeader(META_LEADER);
		placesReplicatedStreams();
	}

	/**
	 * 90 s: a 2.10 meta leader that missed a member's first JetStream statistics learns them only from the next
	 * periodic ones, and a fresh-clone CI run once saw placement refused for the whole 30 s that other clusters get.
	 */
	@Override
	Duration healthyTimeout() {
		return Duration.ofSeconds(90);
	}

	/**
	 * Throws until the meta leader can place a stream on every member: from nats-server 2.10 on, it refuses ("no
	 * suitable peers for placement") until it has heard each member's JetStream statistics, a moment after the
	 * members agree on it.
	 */
	private void placesReplicatedStreams() throws Exception {
		Options options = new Options.Builder().server(members().get(0).url())
			.connectionTimeout(Duration.ofSeconds(2))
			.noReconnect()
			.build();
		try (Connection connection = Nats.connect(options)) {
			JetStreamManagement management = connection.jetStreamManagement();
			management.addStream(StreamConfiguration.builder()
				.name(PLACEMENT_CHECK)
				.subjects(PLACEMENT_CHECK)
				.replicas(members().size())
				.storageType(StorageType.Memory)
				.build());
			management.deleteStream(PLACEMENT_CHECK);
		}
	}

}
