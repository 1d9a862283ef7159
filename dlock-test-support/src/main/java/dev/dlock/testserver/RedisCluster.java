package dev.dlock.testserver;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A Redis Cluster of masters without replicas ({@code redis-server --cluster-enabled yes}) on loopback. Slots are
 * split evenly in member order and never move. Nodes run with {@code cluster-require-full-coverage no}, so after
 * a node is killed the others keep serving their own slots. After a node restart, {@link #awaitHealthy()} waits
 * until every node sees it again.
 *
 * @since 0.1.0
 */
public final class RedisCluster extends TestCluster<RedisServer> {

	private static final int SLOTS = 16384;

	private RedisCluster(List<RedisServer> nodes) {
		super(nodes);
	}

	/**
	 * Starts a cluster and waits until every node reports {@code cluster_state:ok} with all slots assigned.
	 * @param masters the number of masters (1 to 9)
	 * @return the started cluster; the caller closes it
	 * @throws IllegalStateException if it cannot start (the message says why, or what to install)
	 */
	public static RedisCluster start(int masters) {
		return start(masters, (i) -> RedisServer.clusterNode(), RedisCluster::form);
	}

	private static RedisCluster form(List<RedisServer> nodes) {
		try {
			for (int i = 0; i < nodes.size(); i++) {
				RedisServer node = nodes.get(i);
				node.call("CLUSTER", "ADDSLOTSRANGE", Integer.toString(firstSlot(i, nodes.size())),
						Integer.toString(firstSlot(i + 1, nodes.size()) - 1));
				if (i > 0) {
					nodes.get(0)
						.call("CLUSTER", "MEET", node.host(), Integer.toString(node.port()),
								Integer.toString(node.clusterBusPort()));
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not form the Redis cluster " + nodes, ex);
		}
		return new RedisCluster(nodes);
	}

	private static int firstSlot(int node, int nodes) {
		return node * SLOTS / nodes;
	}

	/**
	 * The nodes (all masters), in slot order: node {@code i} owns the {@code i}-th equal share of the slots.
	 * @return an unmodifiable list, the same as {@link #members()}
	 */
	public List<RedisServer> nodes() {
		return members();
	}

	/**
	 * The node URIs, {@code redis://127.0.0.1:PORT}, for {@code RedisClusterClient}.
	 * @return one URI per node
	 */
	public List<String> uris() {
		return nodes().stream().map(RedisServer::uri).toList();
	}

	/**
	 * The node that owns {@code key}'s slot (asks a running node for {@code CLUSTER KEYSLOT}).
	 * @param key the key, hash tags included
	 * @return the owning node
	 * @throws IllegalStateException if no node answers
	 */
	public RedisServer nodeForKey(String key) {
		for (RedisServer node : nodes()) {
			if (node.isRunning() && !node.isPaused()) {
				try {
					Object slot = node.call("CLUSTER", "KEYSLOT", key);
					int index = IntStream.range(0, nodes().size())
						.filter((i) -> ((Long) slot) < firstSlot(i + 1, nodes().size()))
						.findFirst()
						.orElseThrow();
					return nodes().get(index);
				}
				catch (IOException ex) {
					// try the next node
				}
			}
		}
		throw new IllegalStateException("No node of " + this + " answered CLUSTER KEYSLOT");
	}

	@Override
	void checkHealthy() throws IOException {
		for (RedisServer node : nodes()) {
			String info = String.valueOf(node.call("CLUSTER", "INFO"));
			for (String expected : List.of("cluster_state:ok", "cluster_slots_assigned:" + SLOTS,
					"cluster_slots_ok:" + SLOTS, "cluster_known_nodes:" + nodes().size())) {
				if (!info.contains(expected + "\r\n")) {
					throw new IllegalStateException(node + " has no " + expected + " in CLUSTER INFO: " + info);
				}
			}
		}
	}

}
