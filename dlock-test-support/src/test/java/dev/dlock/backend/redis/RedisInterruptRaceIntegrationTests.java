package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import java.util.UUID;

import dev.dlock.LockManager;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.tck.InterruptRace;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.awaitility.Awaitility.await;

/**
 * Issue 13, defect 1 against a real redis-server, as the outside reviewer reproduced it:
 * an acquire interrupted as its grant arrives must not leave the lock held by nobody,
 * renewed forever while every other client is refused. The two managers are two clients
 * with connections of their own.
 */
class RedisInterruptRaceIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(RedisInterruptRaceIntegrationTests.class);

	private static final String PREFIX = "dlock-test-" + UUID.randomUUID() + ":";

	private static final Duration LEASE = Duration.ofSeconds(1);

	private static final Duration VALUE_RETENTION = Duration.ofSeconds(1);

	private final Deque<AutoCloseable> resources = new ArrayDeque<>();

	@AfterEach
	void closeResources() throws Exception {
		while (!this.resources.isEmpty()) {
			this.resources.pop().close();
		}
	}

	@Test
	void anAcquireInterruptedAsItsGrantArrivesLeavesTheKeyFreeForOtherClients() throws Exception {
		long seed = new SplittableRandom().nextLong();
		InterruptRace race = new InterruptRace(this::manager, manager(ObservationRegistry.NOOP));
		InterruptRace.Result result = race.run("job:" + UUID.randomUUID(), Duration.ofSeconds(20), 5,
				LEASE.multipliedBy(3), seed);
		logger.info("Interrupt race on Redis, seed {}: {}", seed, result);
		// an EX entry removed only after its lease ran out (a slow interrupt) counts as a lost writer: its value
		// key stays a value retention past that lease (docs/backends/redis.md, "Value blocks")
		try (StatefulRedisConnection<String, String> connection = client().connect()) {
			await().atMost(LEASE.plus(VALUE_RETENTION))
				.until(() -> RedisTestKeys.scan(connection.sync(), PREFIX).isEmpty());
		}
	}

	private LockManager manager(ObservationRegistry observations) {
		RedisLockBackend backend = RedisLockBackend.builder(client())
			.keyPrefix(PREFIX)
			.valueRetention(VALUE_RETENTION)
			.build();
		this.resources.push(backend);
		LockManager manager = LockManagerBuilder.forBackend(backend)
			.leaseTime(LEASE)
			.observationRegistry(observations)
			.closeTimeout(Duration.ofSeconds(1))
			.build();
		this.resources.push(manager);
		return manager;
	}

	private RedisClient client() {
		RedisClient client = RedisClient.create(RedisServer.shared().uri());
		this.resources.push(client::shutdown);
		return client;
	}

}
