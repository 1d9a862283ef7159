package dev.dlock.engine;

import java.util.ArrayList;
import java.util.List;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An entry's one field for its request and then the backend's entry; its end as the loss
 * listener swapped for a sentinel: the first end counts, its session is told once, a loss
 * tells the listener set last, and a listener set after the end is never told; and its
 * times, kept in milliseconds: the lease never counted longer than proved, the server's
 * bound never shorter.
 */
class LiveEntryTests {

	private static final long MILLI = 1_000_000;

	private static final long LEASE = 30_000 * MILLI;

	/** Just before the milliseconds of the monotonic clock wrap around an {@code int}. */
	private static final long BEFORE_WRAP = (Integer.MAX_VALUE - 10L) * MILLI;

	private final AcquireRequest request = new AcquireRequest("k", LockMode.PW, 1, 2, true);

	private final List<LiveEntry> forgotten = new ArrayList<>();

	private final List<String> told = new ArrayList<>();

	private final LiveEntry entry = new LiveEntry(this.request, new LiveEntry.Owner() {

		@Override
		public long leaseNanos() {
			return LEASE;
		}

		@Override
		public void forget(LiveEntry ended) {
			LiveEntryTests.this.forgotten.add(ended);
		}

	});

	private final QueueEntry attached = new Attached(this.request, 7);

	@Test
	void theRequestIsKeptUntilTheBackendsEntryIsAttachedAndThenComesFromIt() {
		assertThat(this.entry.request()).isSameAs(this.request);
		assertThat(this.entry.queueEntry()).isNull();
		assertThat(this.entry.isAttached()).isFalse();
		assertThat(this.entry.isAlive(0)).isFalse();
		this.entry.attach(this.attached, 10 * MILLI, 12 * MILLI);
		assertThat(this.entry.queueEntry()).isSameAs(this.attached);
		assertThat(this.entry.request()).isSameAs(this.request);
		assertThat(this.entry.validFor(10 * MILLI)).isEqualTo(LEASE);
		assertThat(this.entry.serverExpiryBound(10 * MILLI)).isEqualTo(12 * MILLI + LEASE);
	}

	@Test
	void theLeaseRunsFromTheSendRoundedDownToTheMillisecond() {
		long sentAt = 7 * MILLI + 999_999;
		this.entry.attach(this.attached, sentAt, sentAt + MILLI);
		assertThat(this.entry.validFor(sentAt)).isEqualTo(LEASE - 999_999);
		assertThat(this.entry.isAlive(sentAt + LEASE - 1_000_000)).isTrue();
		assertThat(this.entry.isAlive(sentAt + LEASE - 999_999)).isFalse();
	}

	@Test
	void theServersBoundRunsFromTheConfirmationRoundedUp() {
		long confirmedAt = 9 * MILLI + 1;
		this.entry.attach(this.attached, 8 * MILLI, confirmedAt);
		assertThat(this.entry.serverExpiryBound(confirmedAt)).isEqualTo(10 * MILLI + LEASE);
		assertThat(this.entry.serverExpiryBound(confirmedAt + 5 * MILLI)).isEqualTo(10 * MILLI + LEASE);
	}

	@Test
	void anExtensionKeepsTheLaterTimesAcrossTheWrapOfTheInt() {
		this.entry.attach(this.attached, BEFORE_WRAP, BEFORE_WRAP);
		long later = BEFORE_WRAP + 20 * MILLI;
		this.entry.extend(later, later);
		assertThat(this.entry.validFor(later)).isEqualTo(LEASE);
		assertThat(this.entry.serverExpiryBound(later)).isEqualTo(later + LEASE);
		this.entry.extend(BEFORE_WRAP + MILLI, BEFORE_WRAP + MILLI);
		assertThat(this.entry.validFor(later)).isEqualTo(LEASE);
		assertThat(this.entry.serverExpiryBound(later)).isEqualTo(later + LEASE);
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
