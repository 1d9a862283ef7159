package dev.dlock.backend.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of the tests' own: masters on free loopback ports, no replicas. A
 * stand-in until the shared test-server fixture lands.
 */
final class LocalRedisCluster implements AutoCloseable {

	private final List<LocalRedisServer> nodes = new ArrayList<>();

	private LocalRedisCluster(int masters) {
		for (int i = 0; i < masters; i++) {
			this.nodes.add(LocalRedisServer.start(List.of("--cluster-enabled", "yes", "--cluster-config-file",
					"nodes.conf", "--cluster-node-timeout", "2000")));
		}
		List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
		this.nodes.forEach((node) -> command.add("127.0.0.1:" + node.port()));
		command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
		try {
			Process create = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			if (!create.waitFor(30, TimeUnit.SECONDS) || create.exitValue() != 0) {
				throw new IllegalStateException("redis-cli --cluster create failed");
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		for (LocalRedisServer node : this.nodes) {
			RedisClient client = RedisClient.create(node.uri());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				await().atMost(Duration.ofSeconds(20))
					.until(() -> connection.sync().clusterInfo().contains("cluster_state:ok"));
			}
			finally {
				client.shutdown();
			}
		}
	}

	static LocalRedisCluster start(int masters) {
		return new LocalRedisCluster(masters);
	}

	List<RedisURI> uris() {
		return this.nodes.stream().map(LocalRedisServer::uri).toList();
	}

	@Override
	public void close() {
		this.nodes.forEach(LocalRedisServer::close);
	}

}
