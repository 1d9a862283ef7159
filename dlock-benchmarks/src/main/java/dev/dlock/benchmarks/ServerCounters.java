package dev.dlock.benchmarks;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operation counters of one benchmark server, read from the server itself, so that the
 * difference of two readings is what the server did in between: on Redis every command
 * from {@code INFO commandstats} (commands run inside a script count as their own) and the
 * used memory; on etcd the gRPC messages received per method (and the streams opened), the Raft proposals
 * committed, the MVCC operations and the bytes the store uses; on NATS the messages in,
 * the JetStream API requests, the messages written to streams (the sum of every stream's
 * last sequence) and the bytes the streams store.
 */
final class ServerCounters {

	/** Memory counters: a difference of two readings is bytes, not operations. */
	static final String BYTES_SUFFIX = " bytes";

	private static final Pattern REDIS_COMMAND = Pattern.compile("^cmdstat_([^:]+):calls=(\\d+)", Pattern.MULTILINE);

	private static final Pattern REDIS_MEMORY = Pattern.compile("^used_memory:(\\d+)", Pattern.MULTILINE);

	private static final Pattern ETCD_MESSAGES = Pattern.compile(
			"^grpc_server_msg_received_total\\{grpc_method=\"([^\"]+)\"[^}]*} ([0-9.e+]+)$", Pattern.MULTILINE);

	/** Streams opened (a watch, a lease keep-alive): unlike a unary call, one may carry many messages. */
	private static final Pattern ETCD_STREAMS = Pattern.compile(
			"^grpc_server_started_total\\{grpc_method=\"([^\"]+)\",grpc_service=\"[^\"]+\",grpc_type=\"[a-z_]*stream\"} ([0-9.e+]+)$",
			Pattern.MULTILINE);

	private static final Map<String, String> ETCD_TOTALS = Map.of("Raft proposals committed",
			"etcd_server_proposals_committed_total", "mvcc put", "etcd_mvcc_put_total", "mvcc delete",
			"etcd_mvcc_delete_total", "mvcc txn", "etcd_mvcc_txn_total", "mvcc range", "etcd_mvcc_range_total",
			"store" + BYTES_SUFFIX, "etcd_mvcc_db_total_size_in_use_in_bytes");

	private static final Pattern NATS_IN = Pattern.compile("\"in_msgs\":\\s*(\\d+)");

	private static final Pattern NATS_API = Pattern.compile("\"api\":\\s*\\{\\s*\"total\":\\s*(\\d+)");

	private static final Pattern NATS_LAST_SEQUENCE = Pattern.compile("\"last_seq\":\\s*(\\d+)");

	private static final Pattern NATS_STORED = Pattern.compile("^  \"bytes\":\\s*(\\d+)", Pattern.MULTILINE);

	/** What reading the counters costs the server itself (not the measured client's work). */
	private static final String REDIS_OWN_COMMAND = "info";

	private ServerCounters() {
	}

	/**
	 * Reads every counter of a server.
	 * @param server {@code redis}, {@code etcd} or {@code nats}
	 * @return the counters by name, sorted
	 */
	static Map<String, Double> read(Servers servers, String server) throws IOException, InterruptedException {
		Map<String, Double> counters = new TreeMap<>();
		switch (server) {
			case "redis" -> {
				Matcher commands = REDIS_COMMAND.matcher(servers.redisInfo("commandstats"));
				while (commands.find()) {
					if (!commands.group(1).equals(REDIS_OWN_COMMAND)) {
						counters.put(commands.group(1).toUpperCase(Locale.ROOT),
								Double.parseDouble(commands.group(2)));
					}
				}
				counters.put("used memory" + BYTES_SUFFIX, first(REDIS_MEMORY, servers.redisInfo("memory")));
			}
			case "etcd" -> {
				String metrics = servers.etcdMetrics();
				Matcher messages = ETCD_MESSAGES.matcher(metrics);
				while (messages.find()) {
					counters.merge("gRPC " + messages.group(1), Double.parseDouble(messages.group(2)), Double::sum);
				}
				Matcher streams = ETCD_STREAMS.matcher(metrics);
				while (streams.find()) {
					counters.merge("gRPC " + streams.group(1) + " streams opened", Double.parseDouble(streams.group(2)),
							Double::sum);
				}
				ETCD_TOTALS.forEach((name, metric) -> counters.put(name,
						first(Pattern.compile("^" + metric + " ([0-9.e+]+)$", Pattern.MULTILINE), metrics)));
			}
			case "nats" -> {
				String jetStream = servers.natsMonitor("/jsz?accounts=true&streams=true");
				counters.put("messages in", first(NATS_IN, servers.natsMonitor("/varz")));
				counters.put("JetStream API requests", first(NATS_API, jetStream));
				counters.put("stream writes", sum(NATS_LAST_SEQUENCE, jetStream));
				counters.put("streams" + BYTES_SUFFIX, first(NATS_STORED, jetStream));
			}
			default -> throw new IllegalArgumentException("No counters for " + server);
		}
		return counters;
	}

	/**
	 * What the server did between two readings.
	 * @return every counter that changed, by name
	 */
	static Map<String, Double> difference(Map<String, Double> before, Map<String, Double> after) {
		Map<String, Double> changed = new TreeMap<>();
		after.forEach((name, value) -> {
			double delta = value - before.getOrDefault(name, 0.0);
			if (delta != 0) {
				changed.put(name, delta);
			}
		});
		return changed;
	}

	private static double first(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
	}

	private static double sum(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		double total = 0;
		while (matcher.find()) {
			total += Double.parseDouble(matcher.group(1));
		}
		return total;
	}

}
