package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueState;
import dev.dlock.support.KeyCodec;
import dev.dlock.support.KeyDigest;
import dev.dlock.tck.History;
import dev.dlock.testserver.NatsCluster;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Backends that shard their keys over six three-replica buckets on a three-server cluster:
 * each bucket is a stream with a leader of its own, so the stream leaders (and the lock
 * traffic) can sit on different servers, while every key lives in one bucket and its locks
 * stay exclusive and ordered.
 */
class NatsShardedClusterIntegrationTests {

	private static final int BUCKETS = 6;

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int THREADS = 6;

	private static final int ROUNDS = 50;

	@Test
	void streamLeadersSpreadOverTheServersWhileEveryKeyStaysInOneBucketAndItsLocksStaySafe() throws Exception {
		Duration lease = Duration.ofSeconds(10);
		try (NatsCluster cluster = NatsCluster.start(3);
				NatsTestBucket sharded = new NatsTestBucket(cluster.urls(), 3, BUCKETS)) {
			List<NatsLockBackend> backends = List.of(sharded.backend(), sharded.backend(), sharded.backend());
			List<String> keys = oneKeyPerShard();
			// a key's entry is in the bucket of its shard, whichever backend wrote it
			for (int shard = 0; shard < BUCKETS; shard++) {
				String key = keys.get(shard);
				LockSession session = backends.get(shard % backends.size()).openSession(lease);
				AcquireRequest request = new AcquireRequest(key, LockMode.EX, UUID.randomUUID().toString().replace("-", ""),
						false);
				assertThat(session.enqueue(request).join().state().status()).isEqualTo(QueueState.Status.GRANTED);
				for (int other = 0; other < BUCKETS; other++) {
					KeyValue kv = sharded.connect().keyValue(sharded.bucketNames().get(other));
					assertThat(kv.keys(KeyCodec.encode(key) + ".*")).as("bucket %d for the key of shard %d", other, shard)
						.hasSize((other == shard) ? 1 : 0);
				}
				backends.get((shard + 1) % backends.size()).openSession(lease).remove(request).join();
			}
			// each bucket is a stream of its own, with a leader of its own: where the cluster
			// places the leaders is its business (nats-server 2.9 elects most new streams' leaders
			// on one server: five of six in the first run), and an operator spreads them by asking
			// for a leader step-down, which the cluster honours by electing another replica
			Connection admin = sharded.connect();
			JetStreamManagement management = admin.jetStreamManagement();
			Map<String, String> leaders = new HashMap<>();
			await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
				leaders.clear();
				leaders.putAll(streamLeaders(management, sharded));
				if (leaders.values().stream().distinct().count() > 1) {
					return true;
				}
				if (!leaders.isEmpty()) {
					stepDown(admin, sharded.bucketNames().get(0));
				}
				return false;
			});
			assertThat(leaders).hasSize(BUCKETS);
			assertThat(leaders.values().stream().distinct()).as("stream leaders %s", leaders).hasSizeGreaterThan(1);
			BackendHealth health = backends.get(0).health().join();
			assertThat(health.up()).as("%s", health).isTrue();
			assertThat(health.details()).containsEntry("buckets", BUCKETS);
			List<LockManager> managers = backends.stream()
				.map((backend) -> sharded.register(LockManagerBuilder.forBackend(backend).leaseTime(lease).build()))
				.toList();
			History history = takeTurns(managers, keys);
			assertThat(history.size()).isEqualTo(THREADS * ROUNDS);
			assertThat(history.conflictingOverlaps()).isEmpty();
			assertThat(history.tokenOrderViolations()).isEmpty();
			// health covers every bucket: one gone is enough to be down
			admin.keyValueManagement().delete(sharded.bucketNames().get(BUCKETS - 1));
			assertThat(backends.get(0).health().join().up()).isFalse();
		}
	}

	/**
	 * Each thread takes a random key in a random mode, {@link #ROUNDS} times, waiting as long
	 * as it takes; every grant is recorded.
	 */
	private static History takeTurns(List<LockManager> managers, List<String> keys) throws Exception {
		History history = new History();
		ExecutorService workers = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				LockManager manager = managers.get(t % managers.size());
				running.add(workers.submit(() -> {
					ThreadLocalRandom random = ThreadLocalRandom.current();
					for (int i = 0; i < ROUNDS; i++) {
						String key = keys.get(random.nextInt(keys.size()));
						LockMode mode = LockMode.values()[random.nextInt(LockMode.values().length)];
						try (LockHandle handle = manager.acquire(key, mode, WAIT)) {
							long start = System.nanoTime();
							Thread.onSpinWait();
							history.record(key, mode, handle.fencingToken(), start, System.nanoTime());
						}
					}
					return null;
				}));
			}
			for (Future<?> worker : running) {
				worker.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			workers.shutdownNow();
		}
		return history;
	}

	/** For each shard in turn, the first key {@code shard-test-<i>} that maps to it. */
	private static List<String> oneKeyPerShard() {
		List<String> keys = new ArrayList<>();
		for (int shard = 0; shard < BUCKETS; shard++) {
			int i = 0;
			while (KeyDigest.shard(KeyCodec.encode("shard-test-" + i), BUCKETS) != shard) {
				i++;
			}
			keys.add("shard-test-" + i);
		}
		return keys;
	}

	/** Each bucket's stream leader, or none while a stream has no leader. */
	private static Map<String, String> streamLeaders(JetStreamManagement management, NatsTestBucket sharded)
			throws Exception {
		Map<String, String> leaders = new HashMap<>();
		for (String bucket : sharded.bucketNames()) {
			String leader = management.getStreamInfo("KV_" + bucket).getClusterInfo().getLeader();
			if (leader == null) {
				return Map.of();
			}
			leaders.put(bucket, leader);
		}
		return leaders;
	}

	/** Asks the leader of a bucket's stream to step down (JetStream's leader step-down API). */
	private static void stepDown(Connection admin, String bucket) throws Exception {
		admin.request("$JS.API.STREAM.LEADER.STEPDOWN.KV_" + bucket, new byte[0], WAIT);
	}

}
