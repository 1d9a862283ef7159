package dev.dlock.backend.etcd;

import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import io.etcd.jetcd.ByteSequence;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The snapshot an entry keeps for its next conversion, when the replies that bring
 * snapshots arrive out of order: the newest one learnt decides, and a forgotten one does not
 * come back with a reply as old.
 */
class EtcdQueueEntryTests {

	private static final long TICKET = 3;

	private final AcquireRequest request = new AcquireRequest("k", LockMode.PR, "owner", true);

	private final EntrySlots slots = new EntrySlots(new EtcdLayout("dlock/"));

	private final EtcdQueueEntry entry = this.slots.claim(this.request)
		.created(TICKET, new SessionLease(1, Long.MAX_VALUE), EtcdQueueEntry.Observation.GRANTED, 0);

	private final ByteSequence key = this.entry.key();

	@Test
	void namesItselfByKeyModeAndTicketButNeverByTheOwner() {
		assertThat(this.entry).hasToString("EtcdQueueEntry[key=k, mode=PR, ticket=" + TICKET + "]")
			.asString()
			.doesNotContain("owner");
	}

	@Test
	void theValidBoundIsKeptToTheMillisecondRoundedUpAndNeverPassesEarly() {
		long bound = 5_000_000_001L;
		this.entry.validBound(bound);
		assertThat(this.entry.isPastValidBound(bound - 1)).isFalse();
		assertThat(this.entry.isPastValidBound(bound)).as("kept as 5,001 ms").isFalse();
		assertThat(this.entry.isPastValidBound(5_000_999_999L)).isFalse();
		assertThat(this.entry.isPastValidBound(5_001_000_000L)).isTrue();
		this.entry.validBound(-2_500_000L);
		assertThat(this.entry.isPastValidBound(-2_500_001L)).as("a monotonic clock may be negative").isFalse();
		assertThat(this.entry.isPastValidBound(-2_000_000L)).isTrue();
	}

	@Test
	void theValidBoundComparesAcrossTheWrapOfItsMilliseconds() {
		long wrap = (1L << 31) * 1_000_000;
		this.entry.validBound(wrap + 10_000_000);
		assertThat(this.entry.isPastValidBound(wrap - 10_000_000)).isFalse();
		assertThat(this.entry.isPastValidBound(wrap + 10_000_000)).isTrue();
		this.entry.validBound(wrap - 10_000_000);
		assertThat(this.entry.isPastValidBound(wrap + 10_000_000)).isTrue();
		assertThat(this.entry.isPastValidBound(wrap - 20_000_000)).isFalse();
	}

	@Test
	void aReplyOlderThanTheSnapshotKeptDoesNotReplaceIt() {
		QueueSnapshot newer = grantedAt(7);
		this.entry.remember(newer);
		this.entry.remember(grantedAt(5));
		assertThat(this.entry.known()).extracting(QueueSnapshot::revision).isEqualTo(7L);
	}

	@Test
	void aNewerSnapshotInWhichTheEntryWaitsReplacesTheOneKeptWithNothing() {
		this.entry.remember(grantedAt(5));
		this.entry.remember(waitingAt(7));
		assertThat(this.entry.known()).isNull();
		this.entry.remember(grantedAt(6));
		assertThat(this.entry.known()).as("older than what was learnt last").isNull();
		QueueSnapshot newest = grantedAt(8);
		this.entry.remember(newest);
		assertThat(this.entry.known()).extracting(QueueSnapshot::revision).isEqualTo(8L);
	}

	@Test
	void aForgottenSnapshotIsNotLearntAgainFromAReplyAsOld() {
		QueueSnapshot kept = grantedAt(5);
		this.entry.remember(kept);
		this.entry.forgetKnown();
		this.entry.remember(grantedAt(5));
		assertThat(this.entry.known()).isNull();
	}

	@Test
	void aKeptSnapshotHoldsTheEntrysOwnLockKeyObjectNotTheCopiesReadBack() {
		QueueSnapshot.Stored other = new QueueSnapshot.Stored(EtcdLayout.bytes("e1"), 1, 1, 2,
				EntryState.plain(LockMode.PR, new String("k")));
		QueueSnapshot.Stored own = new QueueSnapshot.Stored(EtcdLayout.bytes(this.key.toString()), TICKET, TICKET, 1,
				EntryState.plain(LockMode.PR, new String("k")));
		this.entry.remember(QueueSnapshot.resolve(List.of(other, own), 5, 5));
		for (QueueSnapshot.Stored stored : List.of(other, own)) {
			QueueSnapshot.Member kept = this.entry.known().find(stored.key(), stored.ticket());
			assertThat(kept.state().lockKey()).isSameAs(this.entry.request().key());
		}
	}

	@Test
	void theEntrysKeyIsBuiltWhenAskedForAndAlwaysTheSame() {
		assertThat(this.entry.key()).isNotSameAs(this.entry.key()).isEqualTo(this.entry.key()).isEqualTo(this.key);
	}

	@Test
	void aQueueOfTheEntryAloneIsBuiltAgainAsItWasLearnt() {
		EntryState converted = EntryState.plain(LockMode.PR, "k").grantedIn(LockMode.EX);
		this.entry.remember(QueueSnapshot.resolve(List.of(new QueueSnapshot.Stored(this.key, TICKET, 9, 1, converted)),
				12, 11));
		QueueSnapshot known = this.entry.known();
		assertThat(known.revision()).isEqualTo(12);
		assertThat(known.sequence()).isEqualTo(11);
		assertThat(known.size()).isEqualTo(1);
		QueueSnapshot.Member own = known.find(this.key, TICKET);
		assertThat(own.stored()).isEqualTo(new QueueSnapshot.Stored(this.key, TICKET, 9, 1, converted));
		assertThat(own.grantedMode()).isEqualTo(LockMode.EX);
	}

	@Test
	void theQueueItsEnqueueShowedIsBuiltAgainAsItWasLearnt() {
		QueueSnapshot.Stored own = new QueueSnapshot.Stored(this.key, TICKET, TICKET, 1,
				EntryState.plain(LockMode.PR, "k"));
		this.entry.remember(QueueSnapshot.resolve(List.of(own), TICKET, TICKET));
		this.entry.remember(grantedAt(TICKET - 1));
		QueueSnapshot known = this.entry.known();
		assertThat(known.revision()).isEqualTo(TICKET);
		assertThat(known.sequence()).isEqualTo(TICKET);
		assertThat(known.size()).isEqualTo(1);
		assertThat(known.find(this.key, TICKET).stored()).isEqualTo(own);
		this.entry.remember(grantedAt(TICKET + 1));
		assertThat(this.entry.known().revision()).as("a newer snapshot replaces it").isEqualTo(TICKET + 1);
	}

	@Test
	void aQueueWithOtherEntriesIsKeptWhole() {
		QueueSnapshot.Stored other = new QueueSnapshot.Stored(EtcdLayout.bytes("e1"), 1, 1, 2,
				EntryState.plain(LockMode.PR, "k"));
		QueueSnapshot.Stored own = new QueueSnapshot.Stored(this.key, TICKET, TICKET, 1,
				EntryState.plain(LockMode.PR, "k"));
		this.entry.remember(QueueSnapshot.resolve(List.of(other, own), 5, 4));
		QueueSnapshot known = this.entry.known();
		assertThat(known.size()).isEqualTo(2);
		assertThat(known.find(other.key(), 1).stored()).isEqualTo(other);
		assertThat(known.find(this.key, TICKET).isGranted()).isTrue();
	}

	@Test
	void repliesOnTwoThreadsAtOnceLeaveTheNewestSnapshotKeptWhicheverLandsFirst() throws Exception {
		QueueSnapshot.Stored other = new QueueSnapshot.Stored(EtcdLayout.bytes("e1"), 1, 1, 2,
				EntryState.plain(LockMode.PR, "k"));
		QueueSnapshot.Stored own = new QueueSnapshot.Stored(this.key, TICKET, TICKET, 1,
				EntryState.plain(LockMode.PR, "k"));
		QueueSnapshot newerWithOthers = QueueSnapshot.resolve(List.of(other, own), 7, 7);
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			for (int i = 0; i < 2_000; i++) {
				EtcdQueueEntry fresh = new EtcdQueueEntry(this.slots, this.entry.request(), 0).created(TICKET,
						new SessionLease(1, Long.MAX_VALUE), EtcdQueueEntry.Observation.GRANTED, 0);
				CyclicBarrier start = new CyclicBarrier(2);
				Future<?> older = pool.submit(() -> {
					start.await();
					fresh.remember(grantedAt(5)); // alone: kept as its fields
					return null;
				});
				Future<?> newer = pool.submit(() -> {
					start.await();
					fresh.remember(newerWithOthers); // with another entry: kept whole
					return null;
				});
				older.get(5, TimeUnit.SECONDS);
				newer.get(5, TimeUnit.SECONDS);
				QueueSnapshot known = fresh.known();
				assertThat(known.revision()).as("round %d", i).isEqualTo(7);
				assertThat(known.size()).as("round %d", i).isEqualTo(2);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void aSnapshotWithoutTheSequencerIsNotKept() {
		QueueSnapshot.Stored own = new QueueSnapshot.Stored(this.key, TICKET, TICKET, 1,
				EntryState.plain(LockMode.PR, "k"));
		this.entry.remember(QueueSnapshot.resolve(List.of(own), 5, 0));
		assertThat(this.entry.known()).isNull();
	}

	private QueueSnapshot grantedAt(long revision) {
		QueueSnapshot.Stored own = new QueueSnapshot.Stored(this.key, TICKET, TICKET, 1,
				EntryState.plain(LockMode.PR, "k"));
		return QueueSnapshot.resolve(List.of(own), revision, revision);
	}

	private QueueSnapshot waitingAt(long revision) {
		QueueSnapshot.Stored holder = new QueueSnapshot.Stored(EtcdLayout.bytes("e1"), 1, 1, 1,
				EntryState.plain(LockMode.EX, "k"));
		QueueSnapshot.Stored own = new QueueSnapshot.Stored(this.key, TICKET, TICKET, 1,
				EntryState.plain(LockMode.PR, "k"));
		return QueueSnapshot.resolve(List.of(holder, own), revision, revision);
	}

}
