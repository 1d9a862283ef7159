package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.spi.Subscription;
import dev.dlock.tck.ConvertingWorkload;
import dev.dlock.testserver.EtcdServer;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.dlock.backend.etcd.EtcdTestSupport.LEASE;
import static dev.dlock.backend.etcd.EtcdTestSupport.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Conversion on etcd at the SPI, against a real server: the outcome of every pair of modes,
 * priority over new requests, deadlock, tokens, withdrawal, a converting holder that
 * crashes, conversions decided on the session's last snapshot of the queue (one
 * transaction when nothing changed, decided again when something did), a release whose
 * delete reaches etcd late, and a random workload of several processes.
 */
class EtcdConversionIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final EtcdTestSupport support = new EtcdTestSupport();

	private final Client raw = this.support.client(endpoint());

	private final EtcdLockBackend backend = this.support.backend(endpoint());

	@AfterEach
	void closeResources() {
		this.support.close();
	}

	private static String endpoint() {
		return EtcdServer.shared().endpoint();
	}

	@Test
	void everyPairOfModesConvertsAloneAndNextToEveryCompatibleHolderAsTheRulesSay() throws Exception {
		LockSession converting = session();
		LockSession other = session();
		for (LockMode held : LockMode.values()) {
			for (LockMode target : LockMode.values()) {
				if (target == held) {
					continue;
				}
				String key = newKey();
				QueueEntry alone = hold(converting, key, held);
				QueueState state = converting.convert(alone, target, false).join();
				assertThat(state.status()).as("%s to %s alone", held, target).isEqualTo(Status.GRANTED);
				assertThat(state.newToken()).isGreaterThan(alone.ticket());
				assertThat(stateOf(alone)).isEqualTo(EntryState.plain(target, key).grantedIn(target));
				for (LockMode beside : LockMode.values()) {
					if (!beside.isCompatibleWith(held)) {
						continue;
					}
					String shared = newKey();
					QueueEntry entry = hold(converting, shared, held);
					QueueEntry holder = hold(other, shared, beside);
					boolean granted = held.covers(target) || target.isCompatibleWith(beside);
					QueueState converted = converting.convert(entry, target, false).join();
					assertThat(converted.status()).as("%s to %s beside %s", held, target, beside)
						.isEqualTo(granted ? Status.GRANTED : Status.REJECTED);
					if (granted) {
						assertThat(converted.newToken()).isGreaterThan(holder.ticket());
					}
					else {
						assertThat(stateOf(entry)).as("a refused conversion records nothing")
							.isEqualTo(EntryState.plain(held, shared));
					}
				}
			}
		}
	}

	@Test
	void aConversionGoesAheadOfAnEarlierQueuedRequestAndTheRequestThenDrawsALargerToken() {
		LockSession first = session();
		LockSession second = session();
		LockSession writer = session();
		String key = newKey();
		QueueEntry upgrading = hold(first, key, LockMode.PR);
		AcquireRequest secondReader = request(key, LockMode.PR);
		hold(second, secondReader);
		QueueEntry queued = waitFor(writer, key, LockMode.EX);
		assertThat(first.convert(upgrading, LockMode.PW, true).join().status()).isEqualTo(Status.WAITING);
		second.remove(secondReader).join();
		assertThat(writer.poll(queued).join().status()).isEqualTo(Status.WAITING);
		QueueState upgraded = first.poll(upgrading).join();
		assertThat(upgraded.status()).isEqualTo(Status.GRANTED);
		assertThat(upgraded.newToken()).isGreaterThan(queued.ticket());
		assertThat(writer.poll(queued).join().status()).isEqualTo(Status.WAITING);
		first.remove(upgrading.request()).join();
		QueueState written = writer.poll(queued).join();
		assertThat(written.status()).isEqualTo(Status.GRANTED);
		assertThat(written.newToken()).as("flagged by the conversion").isGreaterThan(upgraded.newToken());
	}

	@Test
	void aNewRequestThatOnlyAPendingConversionBlocksWaits() {
		LockSession converting = session();
		LockSession holder = session();
		LockSession late = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.NL);
		AcquireRequest reader = request(key, LockMode.CR);
		hold(holder, reader);
		assertThat(converting.convert(entry, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		// compatible with every granted mode (NL, CR), not with the pending EX
		QueueEntry request = waitFor(late, key, LockMode.CR);
		holder.remove(reader).join();
		assertThat(converting.poll(entry).join().status()).isEqualTo(Status.GRANTED);
		assertThat(late.poll(request).join().status()).isEqualTo(Status.WAITING);
	}

	@Test
	void theLaterOfTwoUpgradesThatWaitForEachOtherIsADeadlockAndTheEarlierProceedsWhenItReleases() {
		LockSession first = session();
		LockSession second = session();
		String key = newKey();
		QueueEntry earlier = hold(first, key, LockMode.PR);
		QueueEntry later = hold(second, key, LockMode.PR);
		assertThat(first.convert(earlier, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		assertThat(second.convert(later, LockMode.EX, true).join()).isEqualTo(QueueState.DEADLOCK);
		assertThat(stateOf(later).target()).as("nothing recorded").isNull();
		assertThat(first.poll(earlier).join().status()).isEqualTo(Status.WAITING);
		second.remove(later.request()).join();
		QueueState granted = first.poll(earlier).join();
		assertThat(granted.status()).isEqualTo(Status.GRANTED);
		assertThat(granted.newToken()).isGreaterThan(later.ticket());
		assertThat(stateOf(earlier)).isEqualTo(EntryState.plain(LockMode.EX, key).grantedIn(LockMode.EX));
	}

	@Test
	void aDownConversionWakesAndLetsInAWaiterThatDrawsALargerToken() {
		LockSession holder = session();
		LockSession reader = session();
		String key = newKey();
		QueueEntry writer = hold(holder, key, LockMode.EX);
		QueueEntry waiting = waitFor(reader, key, LockMode.PR);
		AtomicBoolean signalled = new AtomicBoolean();
		QueueState down;
		try (Subscription watch = reader.watch(waiting, () -> signalled.set(true))) {
			down = holder.convert(writer, LockMode.PR, false).join();
			assertThat(down.status()).isEqualTo(Status.GRANTED);
			assertThat(down.newToken()).isGreaterThan(waiting.ticket());
			// the blocker changed by a put, not a delete
			await().atMost(Duration.ofSeconds(5)).untilTrue(signalled);
		}
		QueueState granted = reader.poll(waiting).join();
		assertThat(granted.status()).isEqualTo(Status.GRANTED);
		assertThat(granted.newToken()).isGreaterThan(down.newToken());
	}

	@Test
	void aWithdrawnConversionLeavesTheOldModeAndWakesWhatItBlocked() {
		LockSession converting = session();
		LockSession holder = session();
		LockSession late = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.NL);
		hold(holder, key, LockMode.CR);
		assertThat(converting.convert(entry, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		QueueEntry request = waitFor(late, key, LockMode.CR);
		AtomicBoolean signalled = new AtomicBoolean();
		try (Subscription watch = late.watch(request, () -> signalled.set(true))) {
			converting.cancelConversion(entry, LockMode.NL).join();
			await().atMost(Duration.ofSeconds(5)).untilTrue(signalled);
		}
		assertThat(stateOf(entry)).isEqualTo(EntryState.plain(LockMode.NL, key).grantedIn(LockMode.NL));
		assertThat(late.poll(request).join()).isEqualTo(QueueState.GRANTED);
		// idempotent
		converting.cancelConversion(entry, LockMode.NL).join();
		assertThat(stateOf(entry)).isEqualTo(EntryState.plain(LockMode.NL, key).grantedIn(LockMode.NL));
	}

	@Test
	void withdrawingAConversionThatWasGrantedUndoesIt() {
		LockSession converting = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.PR);
		assertThat(converting.convert(entry, LockMode.EX, false).join().status()).isEqualTo(Status.GRANTED);
		converting.cancelConversion(entry, LockMode.PR).join();
		assertThat(stateOf(entry)).isEqualTo(EntryState.plain(LockMode.PR, key).grantedIn(LockMode.PR));
		assertThat(session().enqueue(request(key, LockMode.PR)).join().state()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void aGrantedConversionThatDoesNotCoverTheHeldModeIsNotUndone() {
		LockSession converting = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.EX);
		assertThat(converting.convert(entry, LockMode.PR, false).join().status()).isEqualTo(Status.GRANTED);
		// going back up would be a conversion of its own: the entry keeps, and the answer tells, PR
		assertThat(converting.cancelConversion(entry, LockMode.EX).join()).isEqualTo(LockMode.PR);
		assertThat(stateOf(entry).mode()).isEqualTo(LockMode.PR);
	}

	@Test
	void aConvertingHolderWhoseLeaseEndsUnblocksTheOthers() throws Exception {
		LockSession converting = session();
		LockSession holder = session();
		LockSession late = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.PR);
		hold(holder, key, LockMode.PR);
		assertThat(converting.convert(entry, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		QueueEntry request = waitFor(late, key, LockMode.CR);
		AtomicBoolean signalled = new AtomicBoolean();
		try (Subscription watch = late.watch(request, () -> signalled.set(true))) {
			this.raw.getLeaseClient().revoke(leaseOf(entry)).get();
			await().atMost(Duration.ofSeconds(5)).untilTrue(signalled);
		}
		assertThat(late.poll(request).join()).isEqualTo(QueueState.GRANTED);
		assertThat(converting.poll(entry).join()).isEqualTo(QueueState.GONE);
	}

	@Test
	void aConvertingEntryIsRenewedLikeAnyOther() throws Exception {
		LockSession converting = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.PR);
		hold(session(), key, LockMode.PR);
		assertThat(converting.convert(entry, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		long lease = leaseOf(entry);
		await().atMost(WAIT).until(() -> {
			LeaseTimeToLiveResponse ttl = this.raw.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get();
			return ttl.getTTL() <= ttl.getGrantedTTL() - 2;
		});
		assertThat(converting.renew(List.of(entry)).join()).isEmpty();
		LeaseTimeToLiveResponse renewed = this.raw.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get();
		assertThat(renewed.getTTL()).isGreaterThanOrEqualTo(renewed.getGrantedTTL() - 1);
		assertThat(stateOf(entry).target()).isEqualTo(LockMode.EX);
	}

	@Test
	void aRequestEnqueuedBetweenTheConversionsSnapshotAndItsWriteIsNotOverlooked() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession converting = holdingSession(holding);
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.PR);
		// decided on the enqueue's snapshot (alone): its one transaction is held back
		holding.holdNextTransaction();
		CompletableFuture<QueueState> conversion = converting.convert(entry, LockMode.EX, true);
		await().atMost(WAIT).until(holding::isHolding);
		QueueEntry reader = hold(session(), key, LockMode.PR);
		holding.deliverHeldTransaction();
		assertThat(conversion.join().status()).as("the sequencer changed: decided again").isEqualTo(Status.WAITING);
		assertThat(stateOf(entry).target()).isEqualTo(LockMode.EX);
		assertThat(stateOf(reader)).as("made explicit").isEqualTo(EntryState.plain(LockMode.PR, key).frozen());
	}

	@Test
	void aConversionOnAQueueThatDidNotChangeSinceTheSessionSawItIsOneTransaction() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession converting = holdingSession(holding);
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.PR);
		int sent = holding.requests();
		QueueState up = converting.convert(entry, LockMode.EX, true).join();
		assertThat(up.status()).isEqualTo(Status.GRANTED);
		assertThat(holding.requests() - sent).as("requests for PR to EX").isEqualTo(1);
		assertThat(up.newToken()).isGreaterThan(entry.ticket()).isEqualTo(kvOf(entry).getModRevision());
		sent = holding.requests();
		QueueState down = converting.convert(entry, LockMode.PR, true).join();
		assertThat(down.status()).isEqualTo(Status.GRANTED);
		assertThat(holding.requests() - sent).as("requests for EX to PR").isEqualTo(1);
		assertThat(down.newToken()).isGreaterThan(up.newToken()).isEqualTo(kvOf(entry).getModRevision());
		assertThat(stateOf(entry)).isEqualTo(EntryState.plain(LockMode.PR, key).grantedIn(LockMode.PR));
	}

	@Test
	void aWaiterTheSessionSawDoesNotKeepAConversionFromBeingOneTransactionAndIsFlagged() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession converting = holdingSession(holding);
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.PR);
		QueueEntry writer = waitFor(session(), key, LockMode.EX);
		// enqueued after the session's snapshot: the first conversion reads the queue
		QueueState first = converting.convert(entry, LockMode.CR, true).join();
		assertThat(first.status()).isEqualTo(Status.GRANTED);
		assertThat(stateOf(writer).flagged()).isTrue();
		int sent = holding.requests();
		QueueState up = converting.convert(entry, LockMode.PR, true).join();
		QueueState down = converting.convert(entry, LockMode.CR, true).join();
		assertThat(up.status()).isEqualTo(Status.GRANTED);
		assertThat(down.status()).isEqualTo(Status.GRANTED);
		assertThat(holding.requests() - sent).as("requests for CR to PR and back").isEqualTo(2);
		assertThat(down.newToken()).isGreaterThan(up.newToken()).isGreaterThan(first.newToken());
		assertThat(stateOf(writer).flagged()).isTrue();
	}

	@Test
	void aWaiterEnqueuedAfterTheSessionsSnapshotIsFlaggedByADownConversionAndDrawsALargerToken() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession converting = holdingSession(holding);
		LockSession reading = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.EX);
		QueueEntry reader = waitFor(reading, key, LockMode.PR);
		int sent = holding.requests();
		QueueState down = converting.convert(entry, LockMode.PR, true).join();
		assertThat(down.status()).isEqualTo(Status.GRANTED);
		assertThat(holding.requests() - sent).as("the snapshot's guard failed, the queue read with it: decided again")
			.isEqualTo(2);
		assertThat(stateOf(reader).flagged()).isTrue();
		QueueState granted = reading.poll(reader).join();
		assertThat(granted.status()).isEqualTo(Status.GRANTED);
		assertThat(granted.newToken()).isGreaterThan(down.newToken());
	}

	@Test
	void aConversionDecidedOnASnapshotOlderThanAnotherSessionsConversionIsDecidedAgain() {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession converting = holdingSession(holding);
		LockSession other = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.PR);
		QueueEntry reader = hold(other, key, LockMode.PR);
		assertThat(converting.convert(entry, LockMode.CR, true).join().status()).isEqualTo(Status.GRANTED);
		// the session's snapshot now shows the reader granted in PR, next to which PR would be granted
		assertThat(other.convert(reader, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		int sent = holding.requests();
		assertThat(converting.convert(entry, LockMode.PR, true).join())
			.as("PR waits behind the pending EX, which waits for CR").isEqualTo(QueueState.DEADLOCK);
		assertThat(holding.requests() - sent).isEqualTo(1);
		assertThat(stateOf(entry)).isEqualTo(EntryState.plain(LockMode.PR, key).grantedIn(LockMode.CR));
		assertThat(stateOf(reader).target()).isEqualTo(LockMode.EX);
	}

	@Test
	void aRequestGrantedSinceTheSessionsSnapshotByABlockerThatLeftWithoutTouchingTheSequencerIsNotConvertedOver()
			throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession converting = holdingSession(holding);
		LockSession writing = session();
		LockSession reading = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.CR);
		QueueEntry blocker = hold(writing, key, LockMode.CW);
		QueueEntry reader = waitFor(reading, key, LockMode.PR);
		// refused: the session's snapshot now shows the reader waiting for the CW holder
		assertThat(converting.convert(entry, LockMode.EX, false).join()).isEqualTo(QueueState.REJECTED);
		// the CW holder's lease ends: its entry goes, the sequencer stays, the reader is granted
		this.raw.getLeaseClient().revoke(leaseOf(blocker)).get();
		assertThat(reading.poll(reader).join()).isEqualTo(QueueState.GRANTED);
		// CW is compatible with everything granted in the snapshot, not with the reader's PR
		assertThat(converting.convert(entry, LockMode.CW, false).join()).isEqualTo(QueueState.REJECTED);
		assertThat(stateOf(entry)).isEqualTo(EntryState.plain(LockMode.CR, key));
		assertThat(reading.poll(reader).join()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void aRequestGrantedBetweenTheConversionsReadAndItsWriteIsNotConvertedOver() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession converting = holdingSession(holding);
		LockSession writing = session();
		LockSession reading = session();
		String key = newKey();
		QueueEntry entry = hold(converting, key, LockMode.CR);
		QueueEntry blocker = hold(writing, key, LockMode.CW);
		QueueEntry reader = waitFor(reading, key, LockMode.PR);
		// the session's snapshot is older than both: its guard fails and reads the queue,
		// which grants CW beside CW; that write is held back
		holding.holdTransactionAfter(1);
		CompletableFuture<QueueState> conversion = converting.convert(entry, LockMode.CW, false);
		await().atMost(WAIT).until(holding::isHolding);
		this.raw.getLeaseClient().revoke(leaseOf(blocker)).get();
		assertThat(reading.poll(reader).join()).isEqualTo(QueueState.GRANTED);
		holding.deliverHeldTransaction();
		assertThat(conversion.join()).as("the reader's blocker left: decided again").isEqualTo(QueueState.REJECTED);
		assertThat(stateOf(entry)).isEqualTo(EntryState.plain(LockMode.CR, key));
		assertThat(reading.poll(reader).join()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void aWaiterIsNotGrantedPastAnEntryOfItsOwnBackendWhileEtcdStillHasIt() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession releasing = holdingSession(holding);
		LockSession converting = session();
		String key = newKey();
		AcquireRequest writer = request(key, LockMode.CW);
		hold(releasing, writer);
		QueueEntry reader = hold(converting, key, LockMode.CR);
		QueueEntry waiter = waitFor(releasing, key, LockMode.PR);
		// the writer's removal reaches etcd late: every other client still sees the PR wait
		holding.holdNextTransaction();
		CompletableFuture<Void> removal = releasing.remove(writer);
		await().atMost(WAIT).until(holding::isHolding);
		QueueState polled = releasing.poll(waiter).join();
		QueueState converted = converting.convert(reader, LockMode.CW, false).join();
		assertThat(polled.status()).as("PR behind CW, whose removal etcd has not applied").isEqualTo(Status.WAITING);
		assertThat(converted.status()).as("a conversion does not wait for a waiting request")
			.isEqualTo(Status.GRANTED);
		holding.deliverHeldTransaction();
		removal.join();
		assertThat(releasing.poll(waiter).join().status()).as("now behind the CW conversion").isEqualTo(Status.WAITING);
	}

	@Test
	void anEnqueueRightAfterItsBackendsOwnReleaseDeletesTheReleasedEntryAndIsGranted() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession session = holdingSession(holding);
		String key = newKey();
		AcquireRequest first = request(key, LockMode.EX);
		hold(session, first);
		holding.holdNextTransaction();
		CompletableFuture<Void> removal = session.remove(first);
		await().atMost(WAIT).until(holding::isHolding);
		AcquireRequest next = new AcquireRequest(key, LockMode.EX, "owner-" + UUID.randomUUID(), false);
		EnqueueResult result = session.enqueue(next).join();
		assertThat(result.state()).as("the enqueue deleted the released entry itself").isEqualTo(QueueState.GRANTED);
		assertThat(this.support.entries(this.raw)).extracting(KeyValue::getCreateRevision)
			.containsExactly(result.entry().ticket());
		holding.deliverHeldTransaction();
		removal.join();
		assertThat(this.support.entries(this.raw)).extracting(KeyValue::getCreateRevision)
			.containsExactly(result.entry().ticket());
	}

	@Test
	void concurrentRequestsAndConversionsOfManyProcessesNeverOverlapAndKeepTokenOrder() throws Exception {
		// a lease long enough that no entry needs renewal while it waits
		Duration lease = Duration.ofSeconds(10);
		List<LockSession> sessions = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			sessions.add(this.support.register(this.support.backend(endpoint()).openSession(lease)));
		}
		ConvertingWorkload.runAndCheck(sessions, List.of(newKey(), newKey()));
	}

	private LockSession holdingSession(HoldingClient holding) {
		return this.support.register(this.support.backend(holding.client()).openSession(LEASE));
	}

	private LockSession session() {
		return this.support.register(this.backend.openSession(LEASE));
	}

	private static AcquireRequest request(String key, LockMode mode) {
		return new AcquireRequest(key, mode, "owner-" + UUID.randomUUID(), true);
	}

	private static QueueEntry hold(LockSession session, String key, LockMode mode) {
		return hold(session, request(key, mode));
	}

	private static QueueEntry hold(LockSession session, AcquireRequest request) {
		EnqueueResult result = session.enqueue(request).join();
		assertThat(result.state()).isEqualTo(QueueState.GRANTED);
		return result.entry();
	}

	private static QueueEntry waitFor(LockSession session, String key, LockMode mode) {
		EnqueueResult result = session.enqueue(request(key, mode)).join();
		assertThat(result.state().status()).isEqualTo(Status.WAITING);
		return result.entry();
	}

	private KeyValue kvOf(QueueEntry entry) throws Exception {
		return this.support.entries(this.raw)
			.stream()
			.filter((kv) -> kv.getCreateRevision() == entry.ticket())
			.findFirst()
			.orElseThrow();
	}

	private EntryState stateOf(QueueEntry entry) {
		try {
			return EntryState.parse(kvOf(entry).getValue());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private long leaseOf(QueueEntry entry) throws Exception {
		return kvOf(entry).getLease();
	}

}
