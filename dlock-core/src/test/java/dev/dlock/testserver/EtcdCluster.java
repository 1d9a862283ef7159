package dev.dlock.testserver;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An etcd cluster on loopback (client and peer ports per member). A killed member can be restarted and rejoins
 * with its data folder; {@link #leader()} finds the raft leader through each member's
 * {@code /v3/maintenance/status}.
 *
 * @since 0.1.0
 */
public final class EtcdCluster extends TestCluster<EtcdServer> {

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
		String initialCluster = java.util.stream.IntStream.range(0, size)
			.mapToObj((i) -> "m" + i + "=" + EtcdServer.peerUrl(peerPorts.get(i)))
			.collect(Collectors.joining(","));
		List<EtcdServer> members = new ArrayList<>();
		try {
			for (int i = 0; i < size; i++) {
				members.add(EtcdServer.member("m" + i, clientPorts.get(i), peerPorts.get(i), initialCluster,
						"cluster-" + peerPorts.get(0)));
			}
		}
		catch (RuntimeException ex) {
			members.forEach(EtcdServer::close);
			throw ex;
		}
		return start(members, EtcdCluster::new);
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
		EtcdServer[] leader = new EtcdServer[1];
		Poll.until("No leader in " + this, TestServer.STARTUP_TIMEOUT, () -> leader[0] = findLeader(), () -> "");
		return leader[0];
	}

	private EtcdServer findLeader() throws Exception {
		String leaderId = null;
		EtcdServer leader = null;
		for (EtcdServer member : members()) {
			if (!member.isRunning() || member.isPaused()) {
				continue;
			}
			String status = member.status();
			String reported = Json.string(status, "leader");
			if (leaderId != null && !leaderId.equals(reported)) {
				throw new IllegalStateException("Members disagree on the leader: " + leaderId + " and " + reported);
			}
			leaderId = reported;
			if (reported.equals(Json.string(status, "member_id"))) {
				leader = member;
			}
		}
		if (leader == null) {
			throw new IllegalStateException("No running member is the leader " + leaderId);
		}
		return leader;
	}

	@Override
	void checkHealthy() throws Exception {
		for (EtcdServer member : members()) {
			member.ping();
		}
		findLeader();
	}

}
