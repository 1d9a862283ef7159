package dev.dlock.engine;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session's entries, linked through the entries themselves: added and removed in any
 * order, each once, and a removal of an entry that is not there changes nothing.
 */
class SessionEntriesTests {

	private final SessionEntries entries = new SessionEntries();

	@Test
	void entriesAreRemovedFromAnyPlace() {
		LiveEntry first = entry("a");
		LiveEntry middle = entry("b");
		LiveEntry last = entry("c");
		this.entries.add(first);
		this.entries.add(middle);
		this.entries.add(last);
		assertThat(this.entries.snapshot()).containsExactlyInAnyOrder(first, middle, last);
		this.entries.remove(middle);
		assertThat(this.entries.snapshot()).containsExactlyInAnyOrder(first, last);
		this.entries.remove(last);
		assertThat(this.entries.snapshot()).containsExactly(first);
		this.entries.remove(first);
		assertThat(this.entries.snapshot()).isEmpty();
		assertThat(this.entries.isEmpty()).isTrue();
	}

	@Test
	void removingAnEntryTwiceOrOneNeverAddedChangesNothing() {
		LiveEntry kept = entry("a");
		LiveEntry removed = entry("b");
		this.entries.add(kept);
		this.entries.add(removed);
		this.entries.remove(removed);
		this.entries.remove(removed);
		this.entries.remove(entry("c"));
		assertThat(this.entries.snapshot()).containsExactly(kept);
		assertThat(this.entries.isEmpty()).isFalse();
	}

	@Test
	void aSnapshotIsNotChangedByLaterRemovals() {
		LiveEntry one = entry("a");
		LiveEntry two = entry("b");
		this.entries.add(one);
		this.entries.add(two);
		var snapshot = this.entries.snapshot();
		this.entries.remove(one);
		assertThat(snapshot).containsExactlyInAnyOrder(one, two);
	}

	private static LiveEntry entry(String key) {
		return new LiveEntry(new AcquireRequest(key, LockMode.EX, 1, 2, true), new LiveEntry.Owner() {

			@Override
			public long leaseNanos() {
				return 1;
			}

			@Override
			public void forget(LiveEntry entry) {
			}

		});
	}

}
