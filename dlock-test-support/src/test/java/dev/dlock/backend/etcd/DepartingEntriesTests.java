package dev.dlock.backend.etcd;

import io.etcd.jetcd.ByteSequence;
import org.junit.jupiter.api.Test;

import static dev.dlock.backend.etcd.EtcdTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which entries the backend's next enqueue on a resource deletes: exactly the ones of that
 * resource whose removal it sent and that are not answered yet, by key and create revision.
 */
class DepartingEntriesTests {

	private final DepartingEntries departing = new DepartingEntries();

	private final ByteSequence resource = bytes("dlock/k/");

	private final ByteSequence key = bytes("dlock/k/s-0");

	@Test
	void anEntryIsDepartingFromTheSendingOfItsRemovalUntilItIsAnswered() {
		assertThat(this.departing.of(this.resource)).isEmpty();
		this.departing.departing(this.resource, this.key, 7);
		assertThat(this.departing.of(this.resource))
			.containsExactly(new DepartingEntries.Departing(this.resource, this.key, 7));
		this.departing.settled(this.key, 7);
		assertThat(this.departing.of(this.resource)).isEmpty();
	}

	@Test
	void theAnswerToAnOldRemovalLeavesANewerEntryOfTheSameKey() {
		this.departing.departing(this.resource, this.key, 7);
		this.departing.departing(this.resource, this.key, 9);
		this.departing.settled(this.key, 7);
		assertThat(this.departing.of(this.resource))
			.containsExactly(new DepartingEntries.Departing(this.resource, this.key, 9));
	}

	@Test
	void onlyTheEntriesOfTheResourceAskedAreReturned() {
		ByteSequence other = bytes("dlock/k2/");
		this.departing.departing(this.resource, this.key, 7);
		this.departing.departing(other, bytes("dlock/k2/s-0"), 8);
		assertThat(this.departing.of(other)).extracting(DepartingEntries.Departing::ticket).containsExactly(8L);
	}

}
