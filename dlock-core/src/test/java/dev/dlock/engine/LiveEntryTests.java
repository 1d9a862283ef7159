package dev.dlock.engine;

import java.util.ArrayList;
import java.util.List;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An entry's one field for its request and then the backend's entry, and its end as the
 * loss listener swapped for a sentinel: the first end counts, its session is told once, a
 * loss tells the listener set last, and a listener set after the end is never told.
 */
class LiveEntryTests {

	private final AcquireRequest request = new AcquireRequest("k", LockMode.PW, 1, 2, true);

	private final List<LiveEntry> forgotten = new ArrayList<>();

	private final List<String> told = new ArrayList<>();

	private final LiveEntry entry = new LiveEntry(this.request, new LiveEntry.Owner() {

		@Override
		public long leaseNanos() {
			return 100;
		}

		@Override
		public void forget(LiveEntry ended) {
			LiveEntryTests.this.forgotten.add(ended);
		}

	});

	@Test
	void theRequestIsKeptUntilTheBackendsEntryIsAttachedAndThenComesFromIt() {
		assertThat(this.entry.request()).isSameAs(this.request);
		assertThat(this.entry.queueEntry()).isNull();
		assertThat(this.entry.isAttached()).isFalse();
		QueueEntry attached = new Attached(this.request, 7);
		this.entry.attach(attached, 10, 12);
		assertThat(this.entry.queueEntry()).isSameAs(attached);
		assertThat(this.entry.request()).isSameAs(this.request);
		assertThat(this.entry.validUntil()).isEqualTo(110);
		assertThat(this.entry.serverExpiryBound()).isEqualTo(112);
	}

	@Test
	void aLossTellsTheListenerSetLastOnceAndTheSessionOnce() {
		this.entry.lossListener((message, cause) -> this.told.add("first"));
		this.entry.lossListener((message, cause) -> this.told.add("second"));
		this.entry.lose("gone", null);
		this.entry.lose("gone again", null);
		assertThat(this.told).containsExactly("second");
		assertThat(this.forgotten).containsExactly(this.entry);
		assertThat(this.entry.isEnded()).isTrue();
		assertThat(this.entry.end()).isFalse();
	}

	@Test
	void anEndedEntryTellsNobodyOfALossNorALaterListener() {
		this.entry.lossListener((message, cause) -> this.told.add("before"));
		assertThat(this.entry.end()).isTrue();
		assertThat(this.entry.end()).isFalse();
		this.entry.lossListener((message, cause) -> this.told.add("after"));
		this.entry.lose("gone", null);
		assertThat(this.told).isEmpty();
		assertThat(this.forgotten).containsExactly(this.entry);
		assertThat(this.entry.isAlive(0)).isFalse();
	}

	private record Attached(AcquireRequest request, long ticket) implements QueueEntry {
	}

}
