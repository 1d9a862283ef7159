package dev.dlock.backend.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the conformance kit cannot see of the Redis value blocks: the value key's expiry
 * (no key is left forever), a lost writer whose whole queue expired, a write retried after
 * the removal, the writer mark on every path that grants or leaves {@code PW} and
 * {@code EX}, and the slot the value key shares with the lock's keys. A crash is a session
 * that stops renewing.
 */
class RedisValueBlockIntegrationTests {

	private static final Duration LEASE = Duration.ofSeconds(5);

	private static final Duration SHORT_LEASE = Duration.ofMillis(500);

	private static final Duration RETENTION = Duration.ofHours(1);

	private static RedisClient client;

	private static StatefulRedisConnection<String, String> connection;

	private final String prefix = "dlock-value-" + UUID.randomUUID() + ":";

	private final String key = "order:" + UUID.randomUUID();

	private final RedisLockBackend backend = RedisLockBackend.builder(client)
		.keyPrefix(this.prefix)
		.valueRetention(RETENTION)
		.build();

	private final LockSession session = this.backend.openSession(LEASE);

	@BeforeAll
	static void connect() {
		client = RedisClient.create(RedisServer.shared().uri());
		connection = client.connect();
	}

	@AfterAll
	static void disconnect() {
		connection.close();
		client.shutdown();
	}

	@AfterEach
	void closeBackendAndDropTheValue() {
		this.backend.close();
		connection.sync().del(valueKey());
	}

	@Test
	void theValueKeyExpiresARetentionAfterTheWriteOnceTheWriterLeft() {
		AcquireRequest writer = request(LockMode.EX);
		QueueEntry entry = this.session.enqueue(writer).join().entry();
		assertThat(this.session.writeValue(entry, value("kept", entry.ticket())).join()).isTrue();
		// the lease's expiry is rounded up to the server's next millisecond: up to one over
		assertThat(ttl()).as("while the writer holds: a retention past its lease")
			.isBetween(RETENTION.toMillis(), RETENTION.plus(LEASE).toMillis() + 1);
		this.session.remove(writer).join();
		assertThat(ttl()).as("after it left: a retention after the write")
			.isBetween(RETENTION.minusSeconds(10).toMillis(), RETENTION.toMillis());
		assertThat(read(LockMode.PR)).isEqualTo(value("kept", entry.ticket()));
	}

	@Test
	void aLostWriterLeavesTheValueInvalidAndItsKeyExpiresARetentionAfterTheMarking() {
		LockSession crashing = this.backend.openSession(SHORT_LEASE);
		QueueEntry lost = crashing.enqueue(request(LockMode.EX)).join().entry();
		assertThat(crashing.writeValue(lost, value("before", lost.ticket())).join()).isTrue();
		EnqueueResult reader = this.session.enqueue(request(LockMode.PR)).join();
		assertThat(reader.state().status()).isEqualTo(QueueState.Status.WAITING);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.session.poll(reader.entry()).join().status() == QueueState.Status.GRANTED);
		assertThat(this.session.readValue(reader.entry()).join())
			.isEqualTo(new LockValue(bytes("before"), lost.ticket(), false));
		assertThat(ttl()).isBetween(RETENTION.minusSeconds(10).toMillis(), RETENTION.toMillis());
		assertThat(connection.sync().hget(valueKey(), "w")).as("the lost writer's mark").isNull();
	}

	@Test
	void aWholeQueueThatExpiredWithItsOnlyWriterLeavesTheValueInvalid() {
		QueueEntry first = this.session.enqueue(request(LockMode.EX)).join().entry();
		this.session.writeValue(first, value("first", first.ticket())).join();
		this.session.remove(first.request()).join();
		LockSession crashing = this.backend.openSession(SHORT_LEASE);
		crashing.enqueue(request(LockMode.EX)).join();
		String[] keys = RedisResource.of(this.prefix, this.key).keys();
		// Redis drops the queue as a whole: no script sweeps the lost entry
		await().atMost(Duration.ofSeconds(5)).until(() -> connection.sync().exists(keys[0], keys[1]) == 0);
		assertThat(read(LockMode.PR)).isEqualTo(new LockValue(bytes("first"), first.ticket(), false));
	}

	@Test
	void aWriterGrantedAfterAWholeQueueExpiredSeesTheValueInvalidAndIsMarkedAsTheWriter() {
		LockSession crashing = this.backend.openSession(SHORT_LEASE);
		crashing.enqueue(request(LockMode.PW)).join();
		String[] keys = RedisResource.of(this.prefix, this.key).keys();
		await().atMost(Duration.ofSeconds(5)).until(() -> connection.sync().exists(keys[0], keys[1]) == 0);
		// the lock is free: the enqueue's first part meets the lost writer's mark and leaves it to the general
		// path, which marks the value invalid before it marks the new writer
		AcquireRequest writer = request(LockMode.EX);
		EnqueueResult granted = this.session.enqueue(writer).join();
		assertThat(granted.state().status()).isEqualTo(QueueState.Status.GRANTED);
		QueueEntry entry = granted.entry();
		assertThat(this.session.readValue(entry).join()).isEqualTo(new LockValue(new byte[0], 0, false));
		assertThat(this.session.writeValue(entry, value("after", entry.ticket())).join()).isTrue();
		this.session.remove(writer).join();
		assertThat(read(LockMode.PR)).isEqualTo(value("after", entry.ticket()));
	}

	@Test
	void aLoneHolderConvertingToAWritingModeAfterALostWriterSeesTheValueInvalid() {
		LockSession crashing = this.backend.openSession(SHORT_LEASE);
		QueueEntry lost = crashing.enqueue(request(LockMode.EX)).join().entry();
		crashing.writeValue(lost, value("before", lost.ticket())).join();
		String[] keys = RedisResource.of(this.prefix, this.key).keys();
		await().atMost(Duration.ofSeconds(5)).until(() -> connection.sync().exists(keys[0], keys[1]) == 0);
		AcquireRequest holder = request(LockMode.PR);
		QueueEntry entry = this.session.enqueue(holder).join().entry();
		// alone on the lock: the conversion's first part meets the lost writer's mark and leaves it to the
		// general path, which marks the value invalid before it marks the new writer
		assertThat(this.session.convert(entry, LockMode.EX, true).join().status())
			.isEqualTo(QueueState.Status.GRANTED);
		assertThat(this.session.readValue(entry).join())
			.isEqualTo(new LockValue(bytes("before"), lost.ticket(), false));
		this.session.remove(holder).join();
	}

	@Test
	void aWriteRetriedAfterTheRemovalWritesNothing() {
		AcquireRequest writer = request(LockMode.EX);
		QueueEntry entry = this.session.enqueue(writer).join().entry();
		LockValue written = value("once", entry.ticket());
		assertThat(this.session.writeValue(entry, written).join()).isTrue();
		assertThat(this.session.writeValue(entry, written).join()).as("the same write again").isTrue();
		this.session.remove(writer).join();
		assertThat(this.session.writeValue(entry, value("late", entry.ticket())).join()).isFalse();
		assertThat(read(LockMode.PR)).isEqualTo(written);
	}

	@Test
	void aGrantAnnouncedByARemovalIsMarkedAsTheWriter() {
		AcquireRequest holder = request(LockMode.PR);
		this.session.enqueue(holder).join();
		EnqueueResult waiter = this.session.enqueue(request(LockMode.EX)).join();
		assertThat(waiter.state().status()).isEqualTo(QueueState.Status.WAITING);
		this.session.remove(holder).join();
		// no poll: the removal announced the grant
		assertThat(this.session.writeValue(waiter.entry(), value("announced", waiter.entry().ticket())).join())
			.isTrue();
	}

	@Test
	void renewalsKeepTheWritersMarkBeyondTheRetention() {
		RedisLockBackend shortRetention = RedisLockBackend.builder(client)
			.keyPrefix(this.prefix)
			.valueRetention(Duration.ofMillis(300))
			.build();
		try {
			LockSession renewing = shortRetention.openSession(Duration.ofSeconds(1));
			QueueEntry entry = renewing.enqueue(request(LockMode.EX)).join().entry();
			assertThat(renewing.writeValue(entry, value("early", entry.ticket())).join()).isTrue();
			long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
			await().pollInterval(Duration.ofMillis(250))
				.atMost(Duration.ofSeconds(5))
				.until(() -> renewing.renew(List.of(entry)).join().isEmpty() && System.nanoTime() > until);
			assertThat(renewing.writeValue(entry, value("late", entry.ticket())).join())
				.as("still marked after several retentions")
				.isTrue();
		}
		finally {
			shortRetention.close();
		}
	}

	@Test
	void aDownConversionClearsTheMarkSoThatALaterLossLeavesTheValueValid() {
		LockSession crashing = this.backend.openSession(SHORT_LEASE);
		QueueEntry entry = crashing.enqueue(request(LockMode.EX)).join().entry();
		assertThat(crashing.writeValue(entry, value("converted", entry.ticket())).join()).isTrue();
		assertThat(crashing.convert(entry, LockMode.PR, true).join().status()).isEqualTo(QueueState.Status.GRANTED);
		assertThat(crashing.writeValue(entry, value("under PR", entry.ticket())).join()).isFalse();
		assertThat(readAfterTheLoss()).isEqualTo(value("converted", entry.ticket()));
	}

	@Test
	void anUndoneUpConversionClearsTheMark() {
		LockSession crashing = this.backend.openSession(SHORT_LEASE);
		QueueEntry entry = crashing.enqueue(request(LockMode.PR)).join().entry();
		AcquireRequest beside = request(LockMode.CR); // not alone: the general conversion path
		this.session.enqueue(beside).join();
		assertThat(crashing.convert(entry, LockMode.PW, true).join().status()).isEqualTo(QueueState.Status.GRANTED);
		assertThat(connection.sync().hget(valueKey(), "w")).as("marked by the granted conversion").isNotNull();
		assertThat(crashing.cancelConversion(entry, LockMode.PR).join()).isEqualTo(LockMode.PR);
		this.session.remove(beside).join();
		assertThat(readAfterTheLoss()).isEqualTo(LockValue.NONE);
	}

	@Test
	void valuesOfKeysThatLookAlikeNeverMix() {
		List<String> keys = List.of(this.key, this.key + ":v", this.key + ":value", this.key + "{x}",
				"a".repeat(960) + this.key);
		for (String lock : keys) {
			AcquireRequest writer = new AcquireRequest(lock, LockMode.EX, UUID.randomUUID().toString(), true);
			QueueEntry entry = this.session.enqueue(writer).join().entry();
			assertThat(this.session.writeValue(entry, value("of " + lock.length(), entry.ticket())).join()).isTrue();
			this.session.remove(writer).join();
		}
		for (String lock : keys) {
			AcquireRequest reader = new AcquireRequest(lock, LockMode.PR, UUID.randomUUID().toString(), true);
			QueueEntry entry = this.session.enqueue(reader).join().entry();
			assertThat(this.session.readValue(entry).join().bytes()).as(lock).isEqualTo(bytes("of " + lock.length()));
			this.session.remove(reader).join();
			connection.sync().del(RedisTestKeys.value(this.prefix, lock));
		}
	}

	@Test
	void everyKeyOfALockAndItsValueShareOneSlot() {
		for (String hostile : List.of(this.key, "{x}", "a}b{c", "", "\u00e9\u6f22", "x".repeat(1000), "k:v")) {
			String[] keys = RedisResource.of(this.prefix, hostile).keys();
			assertThat(keys[4]).endsWith(":v");
			assertThat(Arrays.stream(keys).mapToInt(SlotHash::getSlot).distinct()).as(hostile).hasSize(1);
		}
	}

	/** Waits until the lock's queue expired as a whole, then reads as a new PR holder. */
	private LockValue readAfterTheLoss() {
		String[] keys = RedisResource.of(this.prefix, this.key).keys();
		await().atMost(Duration.ofSeconds(5)).until(() -> connection.sync().exists(keys[0], keys[1]) == 0);
		return read(LockMode.PR);
	}

	/** Reads the value as a new holder in the given mode, and removes that holder. */
	private LockValue read(LockMode mode) {
		AcquireRequest reader = request(mode);
		EnqueueResult result = this.session.enqueue(reader).join();
		assertThat(result.state().status()).isEqualTo(QueueState.Status.GRANTED);
		try {
			LockValue value = this.session.readValue(result.entry()).join();
			assertThat(value).isNotNull();
			return value;
		}
		finally {
			this.session.remove(reader).join();
		}
	}

	private long ttl() {
		return connection.sync().pttl(valueKey());
	}

	private String valueKey() {
		return RedisTestKeys.value(this.prefix, this.key);
	}

	private AcquireRequest request(LockMode mode) {
		return new AcquireRequest(this.key, mode, UUID.randomUUID().toString(), true);
	}

	private static LockValue value(String text, long version) {
		return new LockValue(bytes(text), version, true);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
