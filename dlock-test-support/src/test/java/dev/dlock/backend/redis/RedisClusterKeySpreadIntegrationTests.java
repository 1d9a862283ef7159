package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.testserver.RedisCluster;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How lock traffic spreads over a Redis Cluster: each lock's keys share one hash tag, its
 * key, so locks land on the masters as their keys hash. 10,000 locks with keys such as an
 * application would use ({@code order-1} to {@code order-10000}) are held at once, and the
 * keys each master stores are counted on the master itself.
 */
class RedisClusterKeySpreadIntegrationTests {

	private static final int LOCKS = 10_000;

	private static RedisCluster cluster;

	private static RedisClusterClient client;

	@BeforeAll
	static void startCluster() {
		cluster = RedisCluster.start(3);
		client = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
	}

	@AfterAll
	static void stopCluster() {
		client.shutdown();
		cluster.close();
	}

	@Test
	void tenThousandLocksSpreadEvenlyOverTheMasters() throws Exception {
		// a lease far longer than the test: the spread is the question, not renewal
		try (LockManager manager = LockManagerBuilder.forBackend(RedisLockBackend.builder(client).build())
			.leaseTime(Duration.ofMinutes(2))
			.build()) {
			List<LockHandle> held = holdAll(manager);
			List<Long> keysPerMaster = new ArrayList<>();
			for (RedisServer master : cluster.nodes()) {
				keysPerMaster.add(keysOn(master));
			}
			LongSummaryStatistics spread = keysPerMaster.stream().mapToLong(Long::longValue).summaryStatistics();
			System.out.printf("Keys of %,d held locks per master: %s (fewest / most = %.3f)%n", LOCKS, keysPerMaster,
					(double) spread.getMin() / spread.getMax());
			assertThat(spread.getSum()).as("every held lock stores keys").isGreaterThanOrEqualTo(LOCKS);
			assertThat((double) spread.getMin() / spread.getMax()).as("fewest / most keys of a master, %s", keysPerMaster)
				.isGreaterThanOrEqualTo(0.9);
			held.forEach(LockHandle::release);
		}
	}

	private static List<LockHandle> holdAll(LockManager manager) throws Exception {
		List<LockHandle> held = new ArrayList<>(LOCKS);
		int batch = 200;
		for (int start = 1; start <= LOCKS; start += batch) {
			List<CompletableFuture<LockHandle>> pending = new ArrayList<>(batch);
			for (int i = start; i < start + batch && i <= LOCKS; i++) {
				pending.add(manager.acquireAsync("order-" + i, LockMode.EX, LockOptions.noWait()));
			}
			for (CompletableFuture<LockHandle> future : pending) {
				held.add(future.get(30, TimeUnit.SECONDS));
			}
		}
		assertThat(held).hasSize(LOCKS).allMatch(LockHandle::isValid);
		return held;
	}

	private static long keysOn(RedisServer master) {
		RedisClient single = RedisClient.create(master.uri());
		try (StatefulRedisConnection<String, String> connection = single.connect()) {
			return connection.sync().dbsize();
		}
		finally {
			single.shutdown();
		}
	}

}
