package dev.dlock.backend.memory;

import java.time.Duration;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokens after a conversion on the in-memory backend, at the SPI (regressions the
 * simulation found: seed 13 of the conversion run, S2).
 */
class InMemoryConversionTokenTests {

	private static final String KEY = "k";

	private final LockSession session = InMemoryLockBackend.create().openSession(Duration.ofMinutes(1));

	private int owners;

	@AfterEach
	void close() {
		this.session.close();
	}

	@Test
	void aRequestThatWaitedBehindAGrantWithADrawnTokenDrawsALargerOne() {
		QueueEntry reader = enqueue(LockMode.PR, QueueState.Status.GRANTED);
		QueueEntry writer = enqueue(LockMode.EX, QueueState.Status.WAITING);
		QueueState converted = this.session.convert(reader, LockMode.NL, true).join();
		assertThat(converted.status()).isEqualTo(QueueState.Status.GRANTED);
		// enqueued after the conversion: its ticket is larger than the conversion's token,
		// but smaller than the token the writer draws when it is granted
		QueueEntry later = enqueue(LockMode.PW, QueueState.Status.WAITING);
		QueueState written = this.session.poll(writer).join();
		long writerToken = written.tokenFor(writer.ticket());
		assertThat(writerToken).isGreaterThan(later.ticket());
		this.session.remove(writer.request()).join();
		QueueState granted = this.session.poll(later).join();
		assertThat(granted.status()).isEqualTo(QueueState.Status.GRANTED);
		assertThat(granted.tokenFor(later.ticket())).as("a conflicting grant after the writer's ended")
			.isGreaterThan(writerToken);
	}

	@Test
	void aGrantPolledAgainReportsTheTokenItDrew() {
		QueueEntry reader = enqueue(LockMode.PR, QueueState.Status.GRANTED);
		QueueEntry writer = enqueue(LockMode.EX, QueueState.Status.WAITING);
		this.session.convert(reader, LockMode.NL, true).join();
		long drawn = this.session.poll(writer).join().tokenFor(writer.ticket());
		assertThat(drawn).isGreaterThan(writer.ticket());
		// two polls may both answer GRANTED, and the engine may act on either
		assertThat(this.session.poll(writer).join().tokenFor(writer.ticket())).isEqualTo(drawn);
	}

	private QueueEntry enqueue(LockMode mode, QueueState.Status expected) {
		EnqueueResult result = this.session.enqueue(new AcquireRequest(KEY, mode, "owner-" + ++this.owners, true))
			.join();
		assertThat(result.state().status()).isEqualTo(expected);
		assertThat(result.entry()).isNotNull();
		return result.entry();
	}

}
