package dev.dlock.backend.etcd;

import java.util.List;
import java.util.Map;

import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue a conversion decides on: which blockers a conversion keeps unchanged, and the
 * queue its transaction leaves, which the session decides its next conversion on.
 */
class QueueSnapshotTests {

	private static final String KEY = "k";

	@Test
	void aConversionKeepsTheBlockerOfAWaiterItsNewModeConflictsWithAndThatItsOldModeLetsThrough() {
		// CR granted, CW granted, PR waits for the CW (PR is compatible with CR, not with CW)
		QueueSnapshot snapshot = snapshot(plain(1, LockMode.CR), plain(2, LockMode.CW), plain(3, LockMode.PR));
		QueueSnapshot.Member own = snapshot.find(EtcdLayout.bytes("e1"), 1);
		assertThat(tickets(snapshot.blockersToKeep(own, LockMode.CW))).containsExactly(2L);
		assertThat(tickets(snapshot.blockersToKeep(own, LockMode.PR))).as("compatible with the waiter").isEmpty();
		assertThat(tickets(snapshot.blockersToKeep(own, LockMode.NL))).as("down").isEmpty();
	}

	@Test
	void aConversionKeepsNothingForAWaiterItsOwnEntryBlocks() {
		// EX granted, PR waits for it: whatever the EX goes down to, the entry itself is compared
		QueueSnapshot snapshot = snapshot(plain(1, LockMode.EX), plain(2, LockMode.PR));
		QueueSnapshot.Member own = snapshot.find(EtcdLayout.bytes("e1"), 1);
		assertThat(snapshot.blockersToKeep(own, LockMode.CW)).isEmpty();
		// and a pending conversion blocks every waiter its target conflicts with
		QueueSnapshot converting = snapshot(
				new QueueSnapshot.Stored(EtcdLayout.bytes("e1"), 1, 5, 0,
						EntryState.plain(LockMode.NL, KEY).converting(LockMode.EX)),
				plain(2, LockMode.CR), plain(3, LockMode.CW));
		QueueSnapshot.Member pending = converting.find(EtcdLayout.bytes("e1"), 1);
		assertThat(converting.blockersToKeep(pending, LockMode.EX)).isEmpty();
	}

	@Test
	void theQueueAfterAConversionsWritesIsTheSnapshotWithThemAtTheTransactionsRevision() {
		QueueSnapshot snapshot = snapshot(plain(1, LockMode.EX), plain(2, LockMode.PR));
		QueueSnapshot.Member own = snapshot.find(EtcdLayout.bytes("e1"), 1);
		QueueSnapshot.Member waiter = snapshot.find(EtcdLayout.bytes("e2"), 2);
		assertThat(waiter.isGranted()).isFalse();
		QueueSnapshot after = snapshot.afterWrites(Map.of(1L, own.state().grantedIn(LockMode.PR), 2L,
				waiter.state().withFlag()), 9);
		assertThat(after.revision()).isEqualTo(9);
		assertThat(after.sequence()).as("the transaction wrote the sequencer").isEqualTo(9);
		QueueSnapshot.Member converted = after.find(EtcdLayout.bytes("e1"), 1);
		assertThat(converted.modRevision()).isEqualTo(9);
		assertThat(converted.grantedMode()).isEqualTo(LockMode.PR);
		QueueSnapshot.Member flagged = after.find(EtcdLayout.bytes("e2"), 2);
		assertThat(flagged.state().flagged()).isTrue();
		assertThat(flagged.isGranted()).as("resolved again: nothing blocks it now").isTrue();
	}

	private QueueSnapshot snapshot(QueueSnapshot.Stored... entries) {
		return QueueSnapshot.resolve(List.of(entries), 4, 4);
	}

	private static QueueSnapshot.Stored plain(long ticket, LockMode mode) {
		return new QueueSnapshot.Stored(EtcdLayout.bytes("e" + ticket), ticket, ticket, 0, EntryState.plain(mode, KEY));
	}

	private static List<Long> tickets(List<QueueSnapshot.Member> members) {
		return members.stream().map(QueueSnapshot.Member::ticket).toList();
	}

}
