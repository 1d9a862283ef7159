package dev.dlock.testserver;

import java.util.ArrayList;
import java.util.List;

/**
 * A NATS cluster with JetStream on loopback: routes between all members, each with its own file storage kept
 * across a restart. {@link #start(int)} returns once the JetStream meta leader is elected and every member sees
 * it; {@link #metaLeader()} names it.
 *
 * @since 0.1.0
 */
public final class NatsCluster extends TestCluster<NatsServer> {

	private static final String CLUSTER_NAME = "dlock";

	private NatsCluster(List<NatsServer> members) {
		super(members);
	}

	/**
	 * Starts a cluster and waits until every member is routed to all others and they agree on the JetStream meta
	 * leader.
	 * @param size the number of servers (1 to 9)
	 * @return the started cluster; the caller closes it
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static NatsCluster start(int size) {
		requireSize(size);
		List<String> routes = new ArrayList<>();
		for (int i = 0; i < size; i++) {
			routes.add("nats://127.0.0.1:" + Ports.free());
		}
		List<NatsServer> members = new ArrayList<>();
		try {
			for (int i = 0; i < size; i++) {
				List<String> others = new ArrayList<>(routes);
				String own = others.remove(i);
				int clusterPort = Integer.parseInt(own.substring(own.lastIndexOf(':') + 1));
				members.add(NatsServer.member("n" + i, CLUSTER_NAME, clusterPort, others));
			}
		}
		catch (RuntimeException ex) {
			members.forEach(NatsServer::close);
			throw ex;
		}
		return start(members, NatsCluster::new);
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
		NatsServer[] leader = new NatsServer[1];
		Poll.until("No JetStream meta leader in " + this, TestServer.STARTUP_TIMEOUT,
				() -> leader[0] = findMetaLeader(), () -> "");
		return leader[0];
	}

	private NatsServer findMetaLeader() throws Exception {
		String leaderName = null;
		for (NatsServer member : members()) {
			if (!member.isRunning() || member.isPaused()) {
				continue;
			}
			String reported = Json.string(member.monitor("/jsz"), "leader");
			if (reported.isEmpty() || (leaderName != null && !leaderName.equals(reported))) {
				throw new IllegalStateException("No agreed meta leader: " + leaderName + " and '" + reported + "'");
			}
			leaderName = reported;
		}
		for (NatsServer member : members()) {
			if (member.name().equals(leaderName) && member.isRunning() && !member.isPaused()) {
				return member;
			}
		}
		throw new IllegalStateException("The meta leader " + leaderName + " is not a running member");
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
		findMetaLeader();
	}

}
