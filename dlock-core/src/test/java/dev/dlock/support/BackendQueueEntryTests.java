package dev.dlock.support;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The part of a queue entry every backend shares.
 */
class BackendQueueEntryTests {

	private static final String OWNER = "owner-secret-1234";

	private final AcquireRequest request = new AcquireRequest("orders", LockMode.PW, OWNER, true);

	@Test
	void keepsTheRequestAndTheTicket() {
		SampleEntry entry = new SampleEntry(this.request, 42);
		assertThat(entry.request()).isSameAs(this.request);
		assertThat(entry.ticket()).isEqualTo(42);
	}

	@Test
	void anEntryThatTracksChangesKeepsTheObservedChanges() {
		TrackingEntry entry = new TrackingEntry(this.request, 42);
		assertThat(entry.ticket()).isEqualTo(42);
		assertThat(entry.observedChanges()).isZero();
		entry.observedChanges(7);
		assertThat(entry.observedChanges()).isEqualTo(7);
		assertThat(entry).hasToString("TrackingEntry[key=orders, mode=PW, ticket=42]");
	}

	@Test
	void toStringNamesKeyModeAndTicketButNeverTheOwner() {
		assertThat(new SampleEntry(this.request, 42)).hasToString("SampleEntry[key=orders, mode=PW, ticket=42]")
			.asString()
			.doesNotContain(OWNER);
	}

	private static final class SampleEntry extends BackendQueueEntry {

		SampleEntry(AcquireRequest request, long ticket) {
			super(request, ticket);
		}

	}

	private static final class TrackingEntry extends ChangeTrackingQueueEntry {

		TrackingEntry(AcquireRequest request, long ticket) {
			super(request, ticket);
		}

	}

}
