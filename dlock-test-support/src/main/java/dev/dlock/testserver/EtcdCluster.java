package dev.dlock.testserver;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * An etcd cluster on loopback (client and peer ports per member). A killed member can be restarted and rejoins
 * with its data folder; {@link #leader()} finds the raft leader through each member's
 * {@code /v3/maintenance/status}.
 *
 * @since 0.1.0
 */
public final class EtcdCluster extends TestCluster<EtcdServer> {

	private static final LeaderView<EtcdServer> RAFT_LEADER = new LeaderView<>() {

		@Override
		public String leaderOf(EtcdServer member) throws Exception {
			String leader = Json.string(member.status(), "leader");
			return "0".equals(leader) ? "" : leader;
		}

		@Override
		public boolean isNamed(EtcdServer member, String leader) throws Exception {
			return Json.string(member.status(), "member_id").equals(leader);
		}

	};

	private EtcdCluster(List<EtcdServer> members) {
		super(members);
	}

	/**
	 * Starts a cluster and waits until every member is healthy and they agree on a leader.
	 * @param size the number of members (1 to 9)
	 * @return the started cluster; the caller closes it
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static EtcdCluster start(int size) {
		requireSize(size);
		List<Integer> clientPorts = new ArrayList<>();
		List<Integer> peerPorts = new ArrayList<>();
		for (int i = 0; i < size; i++) {
			clientPorts.add(Ports.free());
			peerPorts.add(Ports.free());
		}
		String initialCluster = IntStream.range(0, size)
			.mapToObj((i) -> "m" + i + "=" + EtcdServer.peerUrl(peerPorts.get(i)))
			.collect(Collectors.joining(","));
		String token = "cluster-" + peerPorts.get(0);
		return start(size,
				(i) -> EtcdServer.member("m" + i, clientPorts.get(i), peerPorts.get(i), initialCluster, token),
				EtcdCluster::new);
	}

	/**
	 * The client endpoints, {@code http://127.0.0.1:PORT}, for jetcd.
	 * @return one endpoint per member
	 */
	public List<String> endpoints() {
		return members().stream().map(EtcdServer::endpoint).toList();
	}

	/**
	 * The current raft leader, waiting (up to 30 s) until the running members agree on one that runs.
	 * @return the leader
	 * @throws IllegalStateException if there is none in time
	 */
	public EtcdServer leader() {
		return awaitLeader(RAFT_LEADER);
	}

	@Override
	void checkHealthy() throws Exception {
		for (EtcdServer member : members()) {
			member.ping();
		}
		agreedLeader(RAFT_LEADER);
	}

}
