package dev.dlock.backend.etcd;

import java.time.Duration;

import dev.dlock.tck.ManualTime;
import io.etcd.jetcd.ByteSequence;
import org.junit.jupiter.api.Test;

import static dev.dlock.backend.etcd.EtcdTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which entries a backend's own requests may disregard: exactly the ones whose removal it
 * sent, by key and create revision, until a request timeout after the removal settled.
 */
class DepartingEntriesTests {

	private static final Duration KEEP = Duration.ofSeconds(5);

	private final ManualTime time = new ManualTime();

	private final DepartingEntries departing = new DepartingEntries(KEEP, this.time);

	private final ByteSequence key = bytes("dlock/k/s-0");

	@Test
	void anEntryIsDisregardedByKeyAndCreateRevisionOnceItsRemovalIsSent() {
		assertThat(this.departing.contains(this.key, 7)).isFalse();
		this.departing.departing(this.key, 7);
		assertThat(this.departing.contains(this.key, 7)).isTrue();
		assertThat(this.departing.contains(this.key, 9)).as("a later entry under the same key").isFalse();
	}

	@Test
	void itStaysDisregardedForTheKeepTimeAfterItsRemovalSettledThenIsForgotten() {
		this.departing.departing(this.key, 7);
		this.departing.settled(this.key, 7);
		this.time.advance(KEEP.minusNanos(1));
		this.departing.departing(bytes("dlock/other/s-0"), 3);
		assertThat(this.departing.contains(this.key, 7)).as("a reply from before the delete may still show it")
			.isTrue();
		this.time.advance(Duration.ofNanos(1));
		this.departing.departing(bytes("dlock/other/s-1"), 4);
		assertThat(this.departing.contains(this.key, 7)).isFalse();
	}

	@Test
	void forgettingAnOldRemovalLeavesANewerOneOfTheSameKey() {
		this.departing.departing(this.key, 7);
		this.departing.settled(this.key, 7);
		this.departing.departing(this.key, 9);
		this.time.advance(KEEP);
		this.departing.departing(bytes("dlock/other/s-0"), 3);
		assertThat(this.departing.contains(this.key, 9)).isTrue();
	}

}
