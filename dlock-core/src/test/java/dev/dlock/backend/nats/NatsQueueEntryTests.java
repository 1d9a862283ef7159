package dev.dlock.backend.nats;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an entry knows of its last message when its own writes, their replies and reads of
 * them (the watcher, a renewal's read) arrive in any order.
 */
class NatsQueueEntryTests {

	private final NatsQueueEntry entry = new NatsQueueEntry(
			new AcquireRequest("k", LockMode.PR, "owner", true), null, 10,
			EntryValue.request(LockMode.PR, "s", "k").at(10), new SessionHeartbeat("s", 3, 0), 50, 0);

	@Test
	void lastSendIsTheCreateUntilALaterWriteOfThisBackendIsConfirmed() {
		assertThat(this.entry.lastSentBefore(51)).isTrue();
		assertThat(this.entry.lastSentBefore(50)).isFalse();
		this.entry.renewed(11, this.entry.value(), 70);
		assertThat(this.entry.lastSentBefore(70)).isFalse();
		this.entry.wrote(12, this.entry.value().flag(), 90);
		assertThat(this.entry.lastSentBefore(90)).isFalse();
		assertThat(this.entry.lastSentBefore(91)).isTrue();
		// a reply that comes after a later one does not move it back
		this.entry.renewed(12, this.entry.value(), 80);
		assertThat(this.entry.lastSentBefore(90)).isFalse();
	}

	@Test
	void ownWriteReadBeforeItsReplyReplacesAnAssumedGrant() {
		// an upgrade granted alone is assumed, then a down-conversion is written at 12, and a
		// read delivers message 12 before its reply does
		EntryValue assumed = this.entry.value().converting(LockMode.PR, LockMode.EX).at(11).converted(LockMode.EX, 11);
		this.entry.assume(assumed);
		EntryValue down = assumed.grantedWithNewToken(LockMode.PR).at(12);
		this.entry.advance(12, down.flag());
		this.entry.wrote(12, down, 100);
		assertThat(this.entry.value()).isEqualTo(down);
		assertThat(this.entry.value().heldMode()).isEqualTo(LockMode.PR);
	}

	@Test
	void readOfALaterMessageThanThePendingConversionReplacesAnAssumedGrant() {
		// as above, but a renewal read message 12 and wrote it again as 13 before the reply
		// of 12 came: the reply no longer counts, message 13 must
		EntryValue pending = this.entry.value().converting(LockMode.PR, LockMode.EX).at(11);
		this.entry.advance(11, pending);
		this.entry.assume(pending.converted(LockMode.EX, 11));
		this.entry.advance(11, pending);
		EntryValue down = this.entry.value().grantedWithNewToken(LockMode.PR).at(12);
		this.entry.advance(12, down);
		this.entry.renewed(13, down, 100);
		this.entry.wrote(12, down, 90);
		assertThat(this.entry.value().heldMode()).isEqualTo(LockMode.PR);
		assertThat(this.entry.revision()).isEqualTo(13);
	}

	@Test
	void pendingConversionMessageKeepsTheGrantAssumedFromIt() {
		EntryValue pending = this.entry.value().converting(LockMode.PR, LockMode.EX).at(11);
		this.entry.advance(11, pending);
		EntryValue assumed = pending.converted(LockMode.EX, 11);
		this.entry.assume(assumed);
		// a renewal of the pending message by a round that read it
		this.entry.renewed(12, pending, 100);
		assertThat(this.entry.value()).isEqualTo(assumed);
	}

	@Test
	void writeSentAfterARoundBeganRenewsTheEntryForThatRound() {
		this.entry.wrote(11, this.entry.value(), 100);
		assertThat(this.entry.wroteSince(100)).isTrue();
		assertThat(this.entry.wroteSince(101)).isFalse();
	}

	@Test
	void messageWrittenByAnotherBackendRenewsNothingForThisOne() {
		this.entry.wrote(11, this.entry.value(), 100);
		this.entry.advance(12, this.entry.value().flag());
		assertThat(this.entry.wroteSince(50)).isFalse();
	}

}
