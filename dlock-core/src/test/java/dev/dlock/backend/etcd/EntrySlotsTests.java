package dev.dlock.backend.etcd;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import io.etcd.jetcd.ByteSequence;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which etcd key each request of a session gets: the same few keys again and again, and
 * never a key whose earlier entry may still exist.
 */
class EntrySlotsTests {

	private final EntrySlots slots = new EntrySlots(new EtcdLayout("dlock/"));

	@Test
	void aLockTakenAgainAndAgainReusesOneKey() {
		AcquireRequest first = request("k");
		ByteSequence firstKey = enqueued(first);
		this.slots.free(first);
		for (int i = 0; i < 3; i++) {
			AcquireRequest again = request("k");
			assertThat(enqueued(again)).isEqualTo(firstKey);
			this.slots.free(again);
		}
	}

	@Test
	void requestsLiveAtOnceGetDistinctKeysAndTheLowestFreeSlotIsTakenFirst() {
		AcquireRequest one = request("k");
		AcquireRequest two = request("k");
		ByteSequence oneKey = enqueued(one);
		ByteSequence twoKey = enqueued(two);
		assertThat(twoKey).isNotEqualTo(oneKey);
		assertThat(enqueued(request("other"))).as("slots are per lock key").isEqualTo(keyOf("other", oneKey));
		this.slots.free(one);
		assertThat(enqueued(request("k"))).isEqualTo(oneKey);
	}

	@Test
	void slotsBeyondOneWordOfBitsAreTakenAndFreedLowestFirst() {
		List<AcquireRequest> requests = new ArrayList<>();
		Set<ByteSequence> keys = new HashSet<>();
		for (int i = 0; i < 130; i++) {
			AcquireRequest request = request("k");
			requests.add(request);
			keys.add(enqueued(request));
		}
		assertThat(keys).as("every request live at once has a key of its own").hasSize(130);
		ByteSequence slot0 = this.slots.claimOf(requests.get(0)).key();
		ByteSequence slot64 = this.slots.claimOf(requests.get(64)).key();
		this.slots.free(requests.get(129));
		this.slots.free(requests.get(64));
		AcquireRequest next = request("k");
		assertThat(enqueued(next)).as("the lowest free slot").isEqualTo(slot64);
		requests.forEach(this.slots::free);
		this.slots.free(next);
		assertThat(enqueued(request("k"))).as("all free again").isEqualTo(slot0);
	}

	@Test
	void lockKeysWithTheSameHashCodeEachHaveTheirOwnSlots() {
		assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
		ByteSequence first = enqueued(request("Aa"));
		assertThat(enqueued(request("BB"))).as("slot 0 of the other key").isEqualTo(keyOf("BB", first));
		assertThat(enqueued(request("Aa"))).as("slot 1").isNotEqualTo(first);
	}

	@Test
	void claimsOnManyLockKeysAreEachFoundAndFreedOnTheirOwn() {
		AcquireRequest probe = request("k");
		ByteSequence slot0 = enqueued(probe);
		this.slots.free(probe);
		List<AcquireRequest> requests = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			AcquireRequest request = request("k" + i);
			requests.add(request);
			EtcdQueueEntry claim = this.slots.claim(request);
			this.slots.answered(request);
			this.slots.created(claim.created(i + 1, new SessionLease(1, Long.MAX_VALUE),
					EtcdQueueEntry.Observation.GRANTED, 0));
		}
		assertThat(this.slots.entries()).hasSize(1000);
		for (int i = 0; i < 1000; i += 2) {
			this.slots.gone(this.slots.entryOf(requests.get(i)));
		}
		for (int i = 0; i < 1000; i++) {
			AcquireRequest request = requests.get(i);
			if (i % 2 == 0) {
				assertThat(this.slots.claimOf(request)).as("freed").isNull();
			}
			else {
				assertThat(this.slots.entryOf(request).ticket()).isEqualTo(i + 1);
				assertThat(this.slots.claimOf(request).key()).isEqualTo(keyOf("k" + i, slot0));
			}
		}
		assertThat(this.slots.entries()).hasSize(500);
	}

	@Test
	void theSlotKeepsTheEntryItsEnqueueCreatedUntilTheEntryIsGone() {
		AcquireRequest held = request("k");
		AcquireRequest other = request("k");
		EtcdQueueEntry claim = this.slots.claim(held);
		ByteSequence key = claim.key();
		this.slots.answered(held);
		enqueued(other);
		EtcdQueueEntry entry = claim.created(3, new SessionLease(1, Long.MAX_VALUE),
				EtcdQueueEntry.Observation.GRANTED, 0);
		this.slots.created(entry);
		assertThat(this.slots.entryOf(held)).isSameAs(entry);
		assertThat(this.slots.entryOf(other)).as("no entry recorded").isNull();
		assertThat(this.slots.entries()).containsExactly(entry);
		this.slots.gone(entry);
		assertThat(this.slots.entryOf(held)).isNull();
		assertThat(this.slots.claimOf(held)).as("its slot is free").isNull();
		assertThat(this.slots.entries()).isEmpty();
		assertThat(enqueued(request("k"))).as("the lowest free slot").isEqualTo(key);
	}

	@Test
	void anEntryCreatedAfterItsSlotWasFreedIsNotKept() {
		AcquireRequest request = request("k");
		EtcdQueueEntry claim = this.slots.claim(request);
		this.slots.answered(request);
		this.slots.free(request);
		this.slots.created(claim.created(3, new SessionLease(1, Long.MAX_VALUE), EtcdQueueEntry.Observation.GRANTED, 0));
		assertThat(this.slots.entryOf(request)).isNull();
		assertThat(this.slots.entries()).isEmpty();
	}

	@Test
	void aSlotFreedWhileItsEnqueueIsUnderWayStaysTakenUntilTheEnqueueIsAnsweredAndItIsFreedAgain() {
		AcquireRequest withdrawnEarly = request("k");
		ByteSequence key = this.slots.claim(withdrawnEarly).key();
		this.slots.free(withdrawnEarly);
		assertThat(this.slots.claimOf(withdrawnEarly).key()).as("the second removal needs the key").isEqualTo(key);
		assertThat(enqueued(request("k"))).isNotEqualTo(key);
		this.slots.answered(withdrawnEarly);
		this.slots.free(withdrawnEarly);
		assertThat(this.slots.claimOf(withdrawnEarly)).isNull();
		assertThat(enqueued(request("k"))).isEqualTo(key);
	}

	@Test
	void aSlotWhoseEnqueueWasNeverAnsweredIsNeverTakenAgain() {
		AcquireRequest unanswered = request("k");
		ByteSequence key = this.slots.claim(unanswered).key();
		assertThat(this.slots.isUnanswered(unanswered)).isFalse();
		this.slots.unanswered(unanswered);
		assertThat(this.slots.isUnanswered(unanswered)).isTrue();
		assertThat(this.slots.claimOf(unanswered).key()).as("its removal still needs the key").isEqualTo(key);
		this.slots.free(unanswered);
		assertThat(this.slots.claimOf(unanswered)).isNull();
		for (int i = 0; i < 3; i++) {
			AcquireRequest later = request("k");
			assertThat(enqueued(later)).isNotEqualTo(key);
			this.slots.free(later);
		}
	}

	@Test
	void eachSlotHasAWithdrawalMarkOutsideEveryQueue() {
		EtcdLayout layout = new EtcdLayout("dlock/");
		EtcdQueueEntry claim = this.slots.claim(request("k"));
		String entry = claim.key().toString();
		String mark = claim.withdrawalMark().toString();
		assertThat(mark).startsWith("dlock/").endsWith(entry.substring(entry.lastIndexOf('/')));
		assertThat(mark).doesNotStartWith(layout.resourcePrefix("k").toString());
		// an encoded key never starts with '.', so no lock's queue covers the marks
		assertThat(mark).startsWith("dlock/.");
	}

	@Test
	void aTrysEntryIsNamedSoAndTakesTheSameSlotsAsAnyOther() {
		AcquireRequest waits = request("k");
		ByteSequence waitingKey = enqueued(waits);
		AcquireRequest tries = new AcquireRequest("k", LockMode.EX, UUID.randomUUID().toString(), false);
		ByteSequence tryingKey = enqueued(tries);
		assertThat(EntrySlots.isTry(waitingKey)).isFalse();
		assertThat(EntrySlots.isTry(tryingKey)).isTrue();
		assertThat(tryingKey.toString()).endsWith(waitingKey.toString().replaceAll(".*-", "-t").replace("0", "1"));
		this.slots.free(waits);
		this.slots.free(tries);
		assertThat(EntrySlots.isTry(enqueued(new AcquireRequest("k", LockMode.PR, "owner", false))))
			.as("slot 0 again, named as a try").isTrue();
		assertThat(EntrySlots.isTry(EtcdLayout.bytes("dlock/k/0c5a7e2d-5f0b-4d43-9c61-1f2a3b4c5d6e-12"))).isFalse();
		assertThat(EntrySlots.isTry(EtcdLayout.bytes("dlock/k/0c5a7e2d-5f0b-4d43-9c61-1f2a3b4c5d6e-t12"))).isTrue();
		assertThat(EntrySlots.isTry(EtcdLayout.bytes("dlock/k/0c5a7e2d-5f0b-4d43-9c61-1f2a3b4c5d6e-t"))).isFalse();
	}

	private ByteSequence enqueued(AcquireRequest request) {
		ByteSequence key = this.slots.claim(request).key();
		this.slots.answered(request);
		return key;
	}

	private static ByteSequence keyOf(String lockKey, ByteSequence sameSlotOfAnotherKey) {
		String other = sameSlotOfAnotherKey.toString();
		String entryName = other.substring(other.lastIndexOf('/') + 1);
		return new EtcdLayout("dlock/").entryKey(lockKey, entryName);
	}

	private static AcquireRequest request(String key) {
		return new AcquireRequest(key, LockMode.EX, UUID.randomUUID().toString(), true);
	}

}
