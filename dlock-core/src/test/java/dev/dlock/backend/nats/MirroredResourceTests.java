package dev.dlock.backend.nats;

import java.time.Instant;

import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The entries of one lock key in the bucket's copy: kept alone without a map while there
 * is one, in a map from the second on, and alone again when one is left.
 */
class MirroredResourceTests {

	private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

	private final MirroredResource resource = new MirroredResource("k", 1);

	@Test
	void oneEntryIsStoredReplacedAndRemovedByItsOwner() {
		StoredEntry first = entry("a", 1, NOW);
		StoredEntry renewed = entry("a", 2, NOW);
		assertThat(this.resource.isEmpty()).isTrue();
		assertThat(this.resource.put(first)).isNull();
		assertThat(this.resource.get("a")).isSameAs(first);
		assertThat(this.resource.get("b")).isNull();
		assertThat(this.resource.put(renewed)).isSameAs(first);
		assertThat(this.resource.entryList()).containsExactly(renewed);
		assertThat(this.resource.remove("b")).isNull();
		assertThat(this.resource.remove("a")).isSameAs(renewed);
		assertThat(this.resource.isEmpty()).isTrue();
		assertThat(this.resource.entryList()).isEmpty();
	}

	@Test
	void aSecondOwnerAddsItsEntryAndTheLastOneLeftStaysFindable() {
		StoredEntry holder = entry("holder", 1, NOW);
		StoredEntry waiter = entry("waiter", 2, NOW);
		StoredEntry third = entry("third", 3, NOW);
		this.resource.put(holder);
		assertThat(this.resource.put(waiter)).isNull();
		assertThat(this.resource.put(third)).isNull();
		assertThat(this.resource.entryList()).containsExactlyInAnyOrder(holder, waiter, third);
		assertThat(this.resource.remove("holder")).isSameAs(holder);
		assertThat(this.resource.remove("third")).isSameAs(third);
		assertThat(this.resource.entryList()).containsExactly(waiter);
		assertThat(this.resource.get("waiter")).isSameAs(waiter);
		assertThat(this.resource.get("holder")).isNull();
		StoredEntry renewed = entry("waiter", 4, NOW);
		assertThat(this.resource.put(renewed)).isSameAs(waiter);
		assertThat(this.resource.remove("waiter")).isSameAs(renewed);
		assertThat(this.resource.isEmpty()).isTrue();
	}

	@Test
	void entriesWrittenBeforeTheHorizonAreDropped() {
		StoredEntry old = entry("old", 1, NOW.minusSeconds(60));
		StoredEntry fresh = entry("fresh", 2, NOW);
		this.resource.put(old);
		this.resource.put(fresh);
		assertThat(this.resource.removeWrittenBefore(NOW.minusSeconds(30))).isTrue();
		assertThat(this.resource.entryList()).containsExactly(fresh);
		assertThat(this.resource.removeWrittenBefore(NOW.minusSeconds(30))).isFalse();
		assertThat(this.resource.removeWrittenBefore(NOW.plusSeconds(1))).isTrue();
		assertThat(this.resource.isEmpty()).isTrue();
	}

	private static StoredEntry entry(String owner, long revision, Instant written) {
		return new StoredEntry(owner, new EntryValue(LockMode.PR, revision, LockMode.PR, null, 0, revision, false, "s",
				"k"), revision, written);
	}

}
