package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.UUID;

import dev.dlock.spi.LockBackend;
import dev.dlock.tck.LockBackendConformanceKit;
import dev.dlock.testserver.RedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole conformance kit, unchanged, against a Redis Cluster of three masters: every
 * key of a lock shares one hash tag, so each script runs on one node, and keys of the
 * suite spread over all three.
 */
class RedisClusterLockBackendConformanceIntegrationTests extends LockBackendConformanceKit {

	private static final String PREFIX = "dlock-tck-cluster-" + UUID.randomUUID() + ":";

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

	@Override
	protected LockBackend createBackend() {
		return RedisLockBackend.builder(client).keyPrefix(PREFIX).build();
	}

	@Override
	protected Duration leaseTime() {
		return Duration.ofSeconds(3);
	}

	/**
	 * 2,000 rather than 10,000: on Cluster a script can only touch one slot, so renewing
	 * n locks that sit in n slots takes n script calls per round (pipelined), against one
	 * call per 100 locks on a single node, where the kit holds 10,000. On a loaded
	 * two-core machine 10,000 such calls per round outgrew a 3 s lease.
	 */
	@Override
	protected int manyKeysCount() {
		return 2_000;
	}

}
