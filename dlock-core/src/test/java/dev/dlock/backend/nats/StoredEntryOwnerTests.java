package dev.dlock.backend.nats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.OwnerIdBits;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stored entry keeps an engine's owner id as its 128 bits and any other owner id as text,
 * and reads and compares both as the owner id they are.
 */
class StoredEntryOwnerTests {

	private static final String ENGINE_OWNER = OwnerIdBits.text(0x0123456789abcdefL, 42);

	@Test
	void anEngineOwnerIdIsKeptAsBitsAndReadAsItsText() {
		StoredEntry entry = entry(ENGINE_OWNER);
		assertThat(entry.ownerText()).isNull();
		assertThat(entry.ownerHigh()).isEqualTo(0x0123456789abcdefL);
		assertThat(entry.ownerLow()).isEqualTo(42);
		assertThat(entry.owner()).isEqualTo(ENGINE_OWNER);
		assertThat(entry.hasOwner(ENGINE_OWNER)).isTrue();
		assertThat(entry.hasOwner(OwnerIdBits.text(0x0123456789abcdefL, 43))).isFalse();
		assertThat(entry.hasOwner("owner-1")).isFalse();
	}

	@Test
	void anyOtherOwnerIdIsKeptAsText() {
		StoredEntry entry = entry("owner-1");
		assertThat(entry.ownerText()).isEqualTo("owner-1");
		assertThat(entry.owner()).isEqualTo("owner-1");
		assertThat(entry.hasOwner("owner-1")).isTrue();
		assertThat(entry.hasOwner(ENGINE_OWNER)).isFalse();
	}

	@Test
	void entriesHaveTheSameOwnerWhenTheirOwnerIdsAreEqual() {
		assertThat(entry(ENGINE_OWNER).hasSameOwner(entry(ENGINE_OWNER))).isTrue();
		assertThat(entry("owner-1").hasSameOwner(entry("owner-1"))).isTrue();
		assertThat(entry(ENGINE_OWNER).hasSameOwner(entry(OwnerIdBits.text(0x0123456789abcdefL, 43)))).isFalse();
		assertThat(entry(ENGINE_OWNER).hasSameOwner(entry("owner-1"))).isFalse();
		assertThat(entry("owner-1").hasSameOwner(entry(ENGINE_OWNER))).isFalse();
	}

	@Test
	void anEntryIsTheRequestsWhoseOwnerIdItHas() {
		AcquireRequest engine = new AcquireRequest("k", LockMode.PR, 0x0123456789abcdefL, 42, true);
		AcquireRequest other = new AcquireRequest("k", LockMode.PR, 0x0123456789abcdefL, 43, true);
		AcquireRequest named = new AcquireRequest("k", LockMode.PR, "owner-1", true);
		AcquireRequest namedAsBits = new AcquireRequest("k", LockMode.PR, ENGINE_OWNER, true);
		assertThat(entry(ENGINE_OWNER).isOwnedBy(engine)).isTrue();
		assertThat(entry(ENGINE_OWNER).isOwnedBy(namedAsBits)).isTrue();
		assertThat(entry(ENGINE_OWNER).isOwnedBy(other)).isFalse();
		assertThat(entry(ENGINE_OWNER).isOwnedBy(named)).isFalse();
		assertThat(entry("owner-1").isOwnedBy(named)).isTrue();
		assertThat(entry("owner-1").isOwnedBy(engine)).isFalse();
		QueueView view = new QueueView(List.of(entry("owner-1"), entry(ENGINE_OWNER)), 0, Duration.ofHours(24), true,
				-1);
		assertThat(view.find(engine)).isNotNull().satisfies((found) -> assertThat(found.ownerText()).isNull());
		assertThat(view.find(named)).isNotNull().satisfies((found) -> assertThat(found.ownerText()).isEqualTo("owner-1"));
		assertThat(view.find(other)).isNull();
		assertThat(view.isAlone(engine)).isFalse();
	}

	@Test
	void theCopyFindsAnEntryByAnEngineOwnerId() {
		MirroredResource resource = new MirroredResource("k", 1);
		StoredEntry held = entry(ENGINE_OWNER);
		resource.put(entry("owner-1"));
		resource.put(held);
		assertThat(resource.get(ENGINE_OWNER)).isSameAs(held);
		assertThat(resource.remove("owner-1")).isNotNull();
		assertThat(resource.get(ENGINE_OWNER)).isSameAs(held);
		assertThat(resource.remove(ENGINE_OWNER)).isSameAs(held);
		assertThat(resource.isEmpty()).isTrue();
	}

	private static StoredEntry entry(String owner) {
		return new StoredEntry(owner, new EntryValue(LockMode.PR, 1, LockMode.PR, null, 0, 1, false, "s", "k"), 1,
				Instant.parse("2026-12-07T10:00:00Z"));
	}

}
