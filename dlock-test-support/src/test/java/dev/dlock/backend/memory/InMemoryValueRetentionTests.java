package dev.dlock.backend.memory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.tck.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The in-memory backend keeps a value block for its retention time after the last write or
 * invalid mark, then drops it, also for a key nobody touches again, so that nothing is kept
 * for ever.
 */
class InMemoryValueRetentionTests {

	private static final Duration RETENTION = Duration.ofHours(1);

	private final ManualTime time = new ManualTime();

	private final InMemoryLockBackend backend = InMemoryLockBackend.builder()
		.timeSource(this.time)
		.valueRetention(RETENTION)
		.build();

	private final LockSession session = this.backend.openSession(Duration.ofMinutes(1));

	private int owners;

	@AfterEach
	void close() {
		this.session.close();
		this.backend.close();
	}

	@Test
	void aValueIsDroppedOneRetentionTimeAfterItsLastWriteWithoutAnyoneTouchingTheKey() {
		QueueEntry writer = enqueue("kept", LockMode.EX);
		LockValue value = new LockValue(bytes("v1"), 7, true);
		assertThat(this.session.writeValue(writer, value).join()).isTrue();
		this.session.remove(writer.request()).join();
		this.time.advance(RETENTION.minusMinutes(1));
		assertThat(this.backend.valueCount()).isEqualTo(1);
		QueueEntry reader = enqueue("kept", LockMode.PR);
		assertThat(this.session.readValue(reader).join()).isEqualTo(value);
		this.session.remove(reader.request()).join();
		this.time.advance(Duration.ofMinutes(2));
		assertThat(this.backend.valueCount()).as("dropped by the timer, not by a read").isZero();
		assertThat(this.backend.resourceCount()).isZero();
		QueueEntry later = enqueue("kept", LockMode.PR);
		assertThat(this.session.readValue(later).join()).isEqualTo(LockValue.NONE);
	}

	@Test
	void anInvalidMarkIsKeptOneRetentionTimeFromWhenItIsMade() {
		QueueEntry writer = enqueue("lost", LockMode.EX);
		this.session.writeValue(writer, new LockValue(bytes("v1"), 3, true)).join();
		// the writer's lease runs out without a removal; the next request on the key finds
		// it expired and marks the value invalid
		this.time.advance(RETENTION.minusMinutes(8));
		QueueEntry reader = enqueue("lost", LockMode.PR);
		assertThat(this.session.readValue(reader).join()).isEqualTo(new LockValue(bytes("v1"), 3, false));
		this.session.remove(reader.request()).join();
		this.time.advance(RETENTION.minusMinutes(5));
		assertThat(this.backend.valueCount()).as("the mark outlives the write's retention").isEqualTo(1);
		this.time.advance(Duration.ofMinutes(10));
		assertThat(this.backend.valueCount()).isZero();
	}

	@Test
	void onlyAGrantedWriterWrites() {
		QueueEntry reader = enqueue("guarded", LockMode.PR);
		assertThat(this.session.writeValue(reader, new LockValue(bytes("no"), 1, true)).join()).isFalse();
		QueueEntry writer = enqueue("guarded", LockMode.EX);
		assertThat(this.session.writeValue(writer, new LockValue(bytes("waiting"), 2, true)).join())
			.as("a waiting writer").isFalse();
		this.session.remove(reader.request()).join();
		this.session.remove(writer.request()).join();
		QueueEntry gone = enqueue("guarded", LockMode.EX);
		this.session.remove(gone.request()).join();
		assertThat(this.session.writeValue(gone, new LockValue(bytes("late"), 3, true)).join())
			.as("a removed writer").isFalse();
		assertThat(this.session.readValue(gone).join()).as("a removed entry reads nothing").isNull();
		assertThat(this.backend.valueCount()).isZero();
	}

	@Test
	void theRetentionTimeIsPositive() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> InMemoryLockBackend.builder().valueRetention(Duration.ZERO))
			.withMessageContaining("valueRetention");
	}

	private QueueEntry enqueue(String key, LockMode mode) {
		return this.session.enqueue(new AcquireRequest(key, mode, "owner-" + ++this.owners, true)).join().entry();
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
