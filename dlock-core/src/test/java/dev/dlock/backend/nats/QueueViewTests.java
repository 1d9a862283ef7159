package dev.dlock.backend.nats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.dlock.LockMode;
import dev.dlock.spi.Queued;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a view of one resource tells: about tokens drawn after a claim (a flagged request
 * that claimed its grant with token 20 is checked on a view later than the claim), and
 * the queue it shows a holder for blocking notifications.
 */
class QueueViewTests {

	private static final Duration MAX_AGE = Duration.ofSeconds(2);

	private static final Instant NOW = Instant.parse("2026-12-06T06:00:00Z");

	private final StoredEntry claimant = stored("claimant", new EntryValue(LockMode.CW, 10, LockMode.CW, null, 0, 20,
			false, "s", "k"), 20);

	@Test
	void nothingLeftOrGrantedAfterTheClaimHidesNoToken() {
		StoredEntry holder = stored("holder", new EntryValue(LockMode.CR, 5, LockMode.CR, null, 0, 15, false, "s", "k"), 19);
		assertThat(view(19, this.claimant, holder).mayHideTokenAfter(this.claimant, 20)).isFalse();
	}

	@Test
	void entryThatLeftAfterTheClaimMayHaveHeldALargerToken() {
		assertThat(view(21, this.claimant).mayHideTokenAfter(this.claimant, 20)).isTrue();
	}

	@Test
	void grantWrittenAfterTheClaimMayHaveBeenStrongerBefore() {
		// a down-conversion to NL draws its token after the claim: before it, it was perhaps EX
		StoredEntry downConverted = stored("other", new EntryValue(LockMode.NL, 12, LockMode.NL, null, 0, 23, false, "s",
				"k"), 23);
		assertThat(view(0, this.claimant, downConverted).mayHideTokenAfter(this.claimant, 20)).isTrue();
	}

	@Test
	void requestsQueuedAfterTheClaimAndPendingConversionsDrewNoToken() {
		StoredEntry request = stored("request", new EntryValue(LockMode.EX, 25, null, null, 0, 25, false, "s", "k"), 25);
		StoredEntry converting = stored("converting", new EntryValue(LockMode.NL, 8, LockMode.NL, LockMode.EX, 27, 8,
				false, "s", "k"), 27);
		assertThat(view(0, this.claimant, request, converting).mayHideTokenAfter(this.claimant, 20)).isFalse();
	}

	@Test
	void theClaimantsOwnLaterTokenDoesNotCount() {
		StoredEntry redrawn = stored("claimant", new EntryValue(LockMode.CW, 10, LockMode.CW, null, 0, 30, false, "s", "k"),
				30);
		assertThat(view(0, redrawn).mayHideTokenAfter(redrawn, 20)).isFalse();
	}

	@Test
	void waitingRequestBesideADownConversionAfterItsTicketSeesAGrantAfterIt() {
		// a reader queued at 12 behind an EX holder that then down-converted to PR at 14
		StoredEntry reader = stored("reader", new EntryValue(LockMode.PR, 12, null, null, 0, 12, false, "s", "k"), 12);
		StoredEntry downConverted = stored("holder", new EntryValue(LockMode.EX, 5, LockMode.PR, null, 0, 14, false, "s",
				"k"), 14);
		assertThat(view(0, reader, downConverted).hasGrantAfter(reader, reader.ticket())).isTrue();
	}

	@Test
	void holderGrantedWithItsTicketBeforeTheRequestIsNoGrantAfterIt() {
		StoredEntry reader = stored("reader", new EntryValue(LockMode.PR, 12, null, null, 0, 12, false, "s", "k"), 12);
		StoredEntry holder = stored("holder", new EntryValue(LockMode.PR, 5, null, null, 0, 5, false, "s", "k"), 5);
		StoredEntry converted = stored("converted", new EntryValue(LockMode.CR, 3, LockMode.PR, null, 0, 9, false, "s",
				"k"), 9);
		assertThat(view(20, reader, holder, converted).hasGrantAfter(reader, reader.ticket())).isFalse();
	}

	@Test
	void queueShowsGrantsConversionsAndRequestsAsTheRulesSeeThemWithoutTheEntriesNotKept() {
		StoredEntry reader = stored("reader", new EntryValue(LockMode.PR, 5, null, null, 0, 5, false, "s", "k"), 5);
		StoredEntry converting = stored("converting", new EntryValue(LockMode.CR, 1, LockMode.PR, LockMode.EX, 9, 1,
				false, "s", "k"), 9);
		StoredEntry writer = stored("writer", new EntryValue(LockMode.PW, 7, null, null, 0, 7, false, "s", "k"), 7);
		StoredEntry dead = stored("dead", new EntryValue(LockMode.EX, 2, null, null, 0, 2, false, "gone", "k"), 2);
		// without the dead EX request ahead of it, the reader may have been granted by the rule
		assertThat(view(0, reader, converting, writer, dead).queued((entry) -> !entry.owner().equals("dead")))
			.containsExactlyInAnyOrder(Queued.granted(5, LockMode.PR), Queued.converting(1, LockMode.PR, LockMode.EX, 9),
					Queued.waiting(7, LockMode.PW));
		assertThat(view(0, reader, converting, writer, dead).queued((entry) -> true)).containsExactlyInAnyOrder(
				Queued.waiting(2, LockMode.EX), Queued.waiting(5, LockMode.PR),
				Queued.converting(1, LockMode.PR, LockMode.EX, 9), Queued.waiting(7, LockMode.PW));
	}

	@Test
	void triesNeverShowAsWaiting() {
		StoredEntry holder = stored("holder", new EntryValue(LockMode.PW, 3, null, null, 0, 3, false, "s", "k"), 3);
		StoredEntry tryingToConvert = new StoredEntry("converting", new EntryValue(LockMode.CR, 4, LockMode.CR,
				LockMode.PW, 9, 4, false, "s", "k"), 9, NOW, true);
		StoredEntry trying = new StoredEntry("trying", new EntryValue(LockMode.EX, 8, null, null, 0, 8, false, "s", "k"),
				8, NOW, true);
		StoredEntry grantedTry = new StoredEntry("granted", new EntryValue(LockMode.NL, 10, null, null, 0, 10, false, "s",
				"k"), 10, NOW, true);
		assertThat(view(0, holder, tryingToConvert, trying, grantedTry).queued((entry) -> true))
			.containsExactlyInAnyOrder(Queued.granted(3, LockMode.PW), Queued.granted(4, LockMode.CR),
					Queued.granted(10, LockMode.NL));
	}

	private static QueueView view(long removedUpTo, StoredEntry... entries) {
		return new QueueView(List.of(entries), removedUpTo, MAX_AGE, true, -1);
	}

	private static StoredEntry stored(String owner, EntryValue value, long revision) {
		return new StoredEntry(owner, value, revision, NOW);
	}

}
