package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.dlock.spi.LockBackend;
import dev.dlock.tck.LockBackendConformanceKit;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The conformance kit against a standalone redis-server. Every backend the kit asks for
 * has its own connections (commands and pub/sub) over one shared client, as another
 * process would. Afterwards no key of the suite may outlive one lease, but for value
 * blocks, which are kept for their retention time (and those of lost writers a retention
 * past their lease): each must carry an expiry within that bound.
 */
class RedisLockBackendConformanceIntegrationTests extends LockBackendConformanceKit {

	private static final String PREFIX = "dlock-tck-" + UUID.randomUUID() + ":";

	/**
	 * Three seconds: with 10,000 locks held, a renewal round shares its connection with
	 * hundreds of acquisitions in flight, and on a loaded two-core machine a round took
	 * over a second; a 2 s lease then leaves too little room.
	 */
	private static final Duration LEASE = Duration.ofSeconds(3);

	private static RedisClient client;

	@BeforeAll
	static void connect() {
		client = RedisClient.create(RedisServer.shared().uri());
	}

	@AfterAll
	static void noKeysOutliveOneLeaseAndDisconnect() {
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			await().atMost(LEASE.plusSeconds(1))
				.until(() -> RedisTestKeys.scan(connection.sync(), PREFIX)
					.stream()
					.allMatch(RedisTestKeys::isValueKey));
			List<String> values = RedisTestKeys.scan(connection.sync(), PREFIX);
			assertThat(values).as("value blocks of the Values checks").isNotEmpty();
			long bound = LEASE.plus(RedisLockBackend.Builder.DEFAULT_VALUE_RETENTION).toMillis();
			assertThat(values).allSatisfy((key) -> assertThat(connection.sync().pttl(key)).isBetween(1L, bound));
			connection.sync().del(values.toArray(String[]::new));
		}
		finally {
			client.shutdown();
		}
	}

	@Override
	protected LockBackend createBackend() {
		return RedisLockBackend.builder(client).keyPrefix(PREFIX).build();
	}

	@Override
	protected Duration leaseTime() {
		return LEASE;
	}

}
