package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.spi.Subscription;
import dev.dlock.support.KeyCodec;
import dev.dlock.tck.ConvertingWorkload;
import dev.dlock.testserver.NatsServer;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Lock conversion on the NATS backend at the SPI: every session is a backend of its own on
 * its own connection, as another process would have, against the shared nats-server.
 */
class NatsLockConversionIntegrationTests {

	private static final Duration LEASE = Duration.ofSeconds(2);

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** The pace of a load that runs beside another. */
	private static final Duration PACE = Duration.ofMillis(2);

	private final NatsTestBucket bucket = new NatsTestBucket(NatsServer.shared().url());

	private final String key = "nats-conversion:" + UUID.randomUUID();

	@AfterEach
	void closeBucket() throws Exception {
		this.bucket.close();
	}

	private LockSession session() {
		return this.bucket.backend().openSession(LEASE);
	}

	private static AcquireRequest request(String key, LockMode mode, boolean waitIfBusy) {
		return new AcquireRequest(key, mode, UUID.randomUUID().toString().replace("-", ""), waitIfBusy);
	}

	private static QueueEntry granted(LockSession session, String key, LockMode mode) {
		EnqueueResult result = session.enqueue(request(key, mode, false)).join();
		assertThat(result.state()).as("%s on %s", mode, key).isEqualTo(QueueState.GRANTED);
		return result.entry();
	}

	/** Polls the entry until it is granted (within {@link #WAIT}); the grant's state. */
	private static QueueState grantedOnPoll(LockSession session, QueueEntry entry) {
		return await().atMost(WAIT).until(() -> session.poll(entry).join(),
				(answer) -> answer.status() == Status.GRANTED);
	}

	private static QueueEntry waiting(LockSession session, String key, LockMode mode) {
		EnqueueResult result = session.enqueue(request(key, mode, true)).join();
		assertThat(result.state().status()).as("%s on %s", mode, key).isEqualTo(Status.WAITING);
		return result.entry();
	}

	/** The stored value's fields: version, mode, ticket, granted, requested, order, token, flag. */
	private String[] stored(QueueEntry entry) throws Exception {
		return new String(storedEntry(entry).getValue(), StandardCharsets.UTF_8).split(" ", 9);
	}

	/** The stored token: {@code 0} stands for the revision of the message. */
	private long storedToken(QueueEntry entry) throws Exception {
		KeyValueEntry kv = storedEntry(entry);
		long token = Long.parseLong(new String(kv.getValue(), StandardCharsets.UTF_8).split(" ", 9)[6]);
		return (token != 0) ? token : kv.getRevision();
	}

	private KeyValueEntry storedEntry(QueueEntry entry) throws Exception {
		return this.bucket.connect()
			.keyValue(this.bucket.name())
			.get(KeyCodec.encode(entry.request().key()) + "." + entry.request().ownerId());
	}

	@Test
	void asynchronousConversionsReachTheirCallersOnTheCallbackExecutorNeverOnAClientThread() throws Exception {
		// conversions complete on the client's threads (no hand-over to the backend's
		// executor): the engine must hand them to its callback executor itself
		String callbackThread = "conversion-callbacks";
		ExecutorService callbacks = Executors.newSingleThreadExecutor((task) -> new Thread(task, callbackThread));
		try (LockManager manager = LockManagerBuilder.forBackend(this.bucket.backend())
			.callbackExecutor(callbacks)
			.build()) {
			LockHandle handle = manager.acquire(this.key, LockMode.PR, WAIT);
			String caller = Thread.currentThread().getName();
			List<String> threads = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				for (LockMode target : List.of(LockMode.EX, LockMode.PR)) {
					threads.add(handle.convertAsync(target, LockOptions.waitTime(WAIT))
						.thenApply((converted) -> Thread.currentThread().getName())
						.get(WAIT.toSeconds(), TimeUnit.SECONDS));
				}
			}
			// the caller's own thread only where the conversion had ended before thenApply
			assertThat(threads).allSatisfy((thread) -> assertThat(thread).isIn(callbackThread, caller))
				.contains(callbackThread);
			assertThat(handle.mode()).isEqualTo(LockMode.PR);
			handle.release();
		}
		finally {
			callbacks.shutdownNow();
		}
	}

	@Test
	void backendDeclaresConversion() {
		assertThat(this.bucket.backend().capabilities()).contains(BackendCapability.CONVERSION);
	}

	@Test
	void everyPairAloneAndBesideEveryOtherHolderFollowsTheRules() throws Exception {
		LockSession session = session();
		LockSession others = session();
		int cases = 0;
		for (LockMode held : LockMode.values()) {
			for (LockMode target : LockMode.values()) {
				if (held == target) {
					continue;
				}
				String alone = this.key + ":" + held + ">" + target;
				QueueEntry entry = granted(session, alone, held);
				QueueState state = session.convert(entry, target, false).join();
				assertThat(state.status()).as("%s to %s alone", held, target).isEqualTo(Status.GRANTED);
				assertThat(state.newToken()).isGreaterThan(entry.ticket());
				String[] stored = stored(entry);
				if (target.covers(held)) {
					// alone: stored with the entry's next write; until then the pending
					// conversion to the target keeps out what the grant does
					assertThat(stored[3].equals(target.name()) || stored[4].equals(target.name()))
						.as("%s to %s alone stored as granted or pending: %s", held, target, String.join(" ", stored))
						.isTrue();
				}
				else {
					await().atMost(WAIT).until(() -> stored(entry)[3].equals(target.name()));
				}
				cases++;
				for (LockMode other : LockMode.values()) {
					if (!other.isCompatibleWith(held)) {
						continue;
					}
					String shared = alone + ":" + other;
					QueueEntry converting = granted(session, shared, held);
					QueueEntry beside = granted(others, shared, other);
					boolean expected = held.covers(target) || target.isCompatibleWith(other);
					QueueState answer = session.convert(converting, target, false).join();
					assertThat(answer.status()).as("%s to %s beside %s", held, target, other)
						.isEqualTo(expected ? Status.GRANTED : Status.REJECTED);
					String[] value = stored(converting);
					assertThat(value[3]).as("granted mode").isEqualTo(expected ? target.name() : held.name());
					assertThat(value[4]).as("no conversion pending").isEqualTo("-");
					if (expected) {
						assertThat(answer.newToken()).isGreaterThan(beside.ticket());
					}
					cases++;
				}
			}
		}
		// 30 pairs alone; beside every mode compatible with the held one: 5 targets each
		// for NL (6 modes), CR (5), CW (3), PR (3), PW (2) and EX (1)
		assertThat(cases).isEqualTo(30 + 5 * (6 + 5 + 3 + 3 + 2 + 1));
	}

	@Test
	void conversionKeepsPriorityOverARequestQueuedBeforeIt() throws Exception {
		LockSession first = session();
		LockSession second = session();
		LockSession writer = session();
		QueueEntry converting = granted(first, this.key, LockMode.PR);
		AcquireRequest other = request(this.key, LockMode.PR, false);
		second.enqueue(other).join();
		QueueEntry queued = waiting(writer, this.key, LockMode.EX);
		assertThat(first.convert(converting, LockMode.PW, true).join().status()).isEqualTo(Status.WAITING);
		second.remove(other).join();
		QueueState state = grantedOnPoll(first, converting);
		assertThat(state.newToken()).isGreaterThan(queued.ticket());
		assertThat(writer.poll(queued).join().status()).isEqualTo(Status.WAITING);
	}

	@Test
	void waiterCompatibleWithTheHeldModeWaitsForThePendingConversionAndDrawsANewToken() throws Exception {
		LockSession converter = session();
		LockSession holder = session();
		LockSession reader = session();
		QueueEntry converting = granted(converter, this.key, LockMode.NL);
		AcquireRequest exclusive = request(this.key, LockMode.EX, false);
		holder.enqueue(exclusive).join();
		QueueEntry queued = waiting(reader, this.key, LockMode.PR);
		assertThat(converter.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		// the conversion wrote down that the earlier request waits
		assertThat(stored(queued)[7]).isEqualTo("F");
		holder.remove(exclusive).join();
		QueueState converted = grantedOnPoll(converter, converting);
		assertThat(reader.poll(queued).join().status()).isEqualTo(Status.WAITING);
		converter.remove(converting.request()).join();
		QueueState read = grantedOnPoll(reader, queued);
		assertThat(read.newToken()).isGreaterThan(converted.newToken());
		assertThat(stored(queued)[3]).isEqualTo("PR");
		assertThat(stored(queued)[7]).isEqualTo("-");
		assertThat(storedToken(queued)).isEqualTo(read.newToken());
	}

	@Test
	void requestThatTheRuleMayHaveGrantedBeforeTheConversionIsAheadOfIt() throws Exception {
		LockSession converter = session();
		LockSession holder = session();
		LockSession reader = session();
		QueueEntry converting = granted(converter, this.key, LockMode.NL);
		AcquireRequest exclusive = request(this.key, LockMode.EX, false);
		holder.enqueue(exclusive).join();
		QueueEntry queued = waiting(reader, this.key, LockMode.PR);
		holder.remove(exclusive).join();
		await().atMost(WAIT).until(() -> this.bucket.entryCount(this.key) == 2);
		// the reader's process may have been granted by now without a write: the conversion
		// must take it as granted, and writes that down
		QueueState state = converter.convert(converting, LockMode.EX, true).join();
		assertThat(state.status()).isEqualTo(Status.WAITING);
		assertThat(stored(queued)[3]).isEqualTo("PR");
		assertThat(reader.poll(queued).join()).isEqualTo(QueueState.GRANTED);
		reader.remove(queued.request()).join();
		QueueState converted = grantedOnPoll(converter, converting);
		assertThat(converted.newToken()).isGreaterThan(queued.ticket());
	}

	@Test
	void laterOfTwoUpgradingReadersGetsDeadlockAndTheEarlierProceedsOnceItIsReleased() throws Exception {
		LockSession first = session();
		LockSession second = session();
		QueueEntry earlier = granted(first, this.key, LockMode.PR);
		QueueEntry later = granted(second, this.key, LockMode.PR);
		assertThat(first.convert(earlier, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		assertThat(second.convert(later, LockMode.EX, true).join()).isEqualTo(QueueState.DEADLOCK);
		String[] value = stored(later);
		assertThat(value[3]).isEqualTo("PR");
		assertThat(value[4]).isEqualTo("-");
		assertThat(first.poll(earlier).join().status()).isEqualTo(Status.WAITING);
		second.remove(later.request()).join();
		QueueState state = grantedOnPoll(first, earlier);
		assertThat(state.newToken()).isGreaterThan(later.ticket());
	}

	@Test
	void downConversionLetsACompatibleWaiterInWithALargerTokenAndFlagsOneItStillBlocks() throws Exception {
		LockSession holder = session();
		LockSession waiters = session();
		QueueEntry held = granted(holder, this.key, LockMode.EX);
		QueueEntry reader = waiting(waiters, this.key, LockMode.PR);
		QueueEntry writer = waiting(waiters, this.key, LockMode.PW);
		QueueState down = holder.convert(held, LockMode.PR, true).join();
		assertThat(down.status()).isEqualTo(Status.GRANTED);
		assertThat(down.newToken()).isGreaterThan(writer.ticket());
		// let in after the conversion, so with a token after the conversion's (once the
		// waiters' process has seen the conversion)
		QueueState read = grantedOnPoll(waiters, reader);
		assertThat(read.newToken()).isGreaterThan(down.newToken());
		assertThat(waiters.poll(writer).join().status()).isEqualTo(Status.WAITING);
		assertThat(stored(writer)[7]).isEqualTo("F");
		holder.remove(held.request()).join();
		waiters.remove(reader.request()).join();
		QueueState written = grantedOnPoll(waiters, writer);
		assertThat(written.newToken()).isGreaterThan(down.newToken());
	}

	@Test
	void requestADownConversionLetsInWithoutAFlagStillDrawsATokenAfterTheConversions() throws Exception {
		LockSession holder = session();
		LockSession waiters = session();
		QueueEntry held = granted(holder, this.key, LockMode.EX);
		QueueEntry reader = waiting(waiters, this.key, LockMode.PR);
		QueueState down = holder.convert(held, LockMode.PR, true).join();
		assertThat(down.status()).isEqualTo(Status.GRANTED);
		// as if the down-conversion had flagged the requests on a copy that did not have the
		// reader yet (its create came between that copy and the conversion's write); that
		// happens on its own now and then, and then the reader is stored unflagged already
		KeyValueEntry stored = storedEntry(reader);
		String[] fields = new String(stored.getValue(), StandardCharsets.UTF_8).split(" ", 9);
		if (fields[7].equals("F")) {
			fields[7] = "-";
			this.bucket.connect()
				.keyValue(this.bucket.name())
				.update(stored.getKey(), String.join(" ", fields).getBytes(StandardCharsets.UTF_8), stored.getRevision());
		}
		assertThat(stored(reader)[7]).isEqualTo("-");
		// a request decided on the waiters' copy once it is complete as of its own create,
		// which came after that write: the copy the reader's poll decides on has it too
		granted(waiters, this.key + ":later", LockMode.NL);
		QueueState read = grantedOnPoll(waiters, reader);
		assertThat(read.newToken()).isGreaterThan(down.newToken());
	}

	/**
	 * Rewrites entries as a renewal round does once they are due (half the entries' max age
	 * after their last write): a revision-checked write of each, with its recovery.
	 */
	private static CompletableFuture<Set<QueueEntry>> rewrite(QueueEntry... entries) {
		return NatsBucket.entry(entries[0]).bucket().renew(List.of(entries));
	}

	@Test
	void aRewriteRoundSendsItsRecoveryRequestsFromDlocksThreadsNotFromTheOneThatDeliversItsLastReply()
			throws Exception {
		HoldingConnection holding = new HoldingConnection(this.bucket.backendConnection());
		LockSession holder = this.bucket.register(NatsLockBackend.builder(holding.connection())
			.bucket(this.bucket.name())
			.build()).openSession(LEASE);
		QueueEntry rewritten = granted(holder, this.key, LockMode.EX);
		QueueEntry last = granted(holder, this.key + ":last", LockMode.EX);
		// another writer's message: the round's revision check of this entry fails, and its
		// recovery reads the entry from the stream leader (a JetStream API request)
		KeyValueEntry stored = Objects.requireNonNull(this.bucket.onlyEntry(this.key));
		this.bucket.connect().keyValue(this.bucket.name()).put(stored.getKey(), stored.getValue());
		holding.holdReplyAfter(1);
		// the rewrite of entries that are due (a session's renewal round is otherwise one heartbeat)
		CompletableFuture<Set<QueueEntry>> round = rewrite(rewritten, last);
		await().atMost(WAIT).until(() -> holding.isHolding() && holding.published().get(0).isDone());
		int requestsBefore = holding.requestThreads().size();
		// the last reply fails on a thread of its own, as jnats fails pending replies on the
		// thread that closes the connection
		Thread closer = new Thread(() -> holding.failHeldReply(new CancellationException("closing (test)")),
				"closing-thread");
		closer.start();
		closer.join();
		assertThatThrownBy(round::join).as("the round with a failed reply fails").isNotNull();
		assertThat(holding.requestThreads().subList(requestsBefore, holding.requestThreads().size()))
			.as("the recovery's requests").isNotEmpty().doesNotContain("closing-thread");
	}

	@Test
	void rewritesRacingBackToBackConversionsOfTheSameEntryNeverReportItLost() throws Exception {
		LockSession holder = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		AtomicBoolean converting = new AtomicBoolean(true);
		AtomicInteger conversions = new AtomicInteger();
		CompletableFuture<Void> converter = CompletableFuture.runAsync(() -> {
			while (converting.get()) {
				assertThat(holder.convert(held, LockMode.EX, true).join().status()).isEqualTo(Status.GRANTED);
				assertThat(holder.convert(held, LockMode.PR, true).join().status()).isEqualTo(Status.GRANTED);
				conversions.addAndGet(2);
			}
		});
		try {
			// each round's revision check races the conversions' writes of the entry; a round
			// every 2 ms, a renewal as often as a lease of a few milliseconds would need
			for (int round = 0; round < 300; round++) {
				assertThat(rewrite(held).join()).as("entries lost in round %d", round).isEmpty();
				LockSupport.parkNanos(PACE.toNanos());
			}
		}
		finally {
			converting.set(false);
		}
		converter.join();
		assertThat(conversions.get()).isGreaterThan(100);
	}

	@Test
	void watchSignalsAWaitingConversionWhenItsBlockerDownConverts() throws Exception {
		LockSession first = session();
		LockSession second = session();
		QueueEntry converting = granted(first, this.key, LockMode.PR);
		QueueEntry blocker = granted(second, this.key, LockMode.PR);
		assertThat(first.convert(converting, LockMode.PW, true).join().status()).isEqualTo(Status.WAITING);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = first.watch(converting, signals::incrementAndGet)) {
			assertThat(second.convert(blocker, LockMode.CR, true).join().status()).isEqualTo(Status.GRANTED);
			await().atMost(WAIT).until(() -> signals.get() > 0);
		}
		assertThat(first.poll(converting).join().status()).isEqualTo(Status.GRANTED);
	}

	@Test
	void cancelledConversionLeavesTheOldModeBeforeAndAfterAGrant() throws Exception {
		LockSession first = session();
		LockSession second = session();
		QueueEntry converting = granted(first, this.key, LockMode.PR);
		AcquireRequest other = request(this.key, LockMode.PR, false);
		second.enqueue(other).join();
		assertThat(first.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		first.cancelConversion(converting, LockMode.PR).join();
		first.cancelConversion(converting, LockMode.PR).join();
		String[] value = stored(converting);
		assertThat(value[3]).isEqualTo("PR");
		assertThat(value[4]).isEqualTo("-");
		// withdrawn: a new reader is no longer kept out by the pending EX
		assertThat(second.enqueue(request(this.key, LockMode.PR, false)).join().state()).isEqualTo(QueueState.GRANTED);
		second.remove(other).join();
		// granted, but the grant never reached the engine: undone as a down-conversion
		String alone = this.key + ":alone";
		QueueEntry single = granted(first, alone, LockMode.PR);
		assertThat(first.convert(single, LockMode.EX, true).join().status()).isEqualTo(Status.GRANTED);
		first.cancelConversion(single, LockMode.PR).join();
		assertThat(stored(single)[3]).isEqualTo("PR");
		assertThat(second.enqueue(request(alone, LockMode.CR, false)).join().state()).isEqualTo(QueueState.GRANTED);
		first.remove(single.request()).join();
		first.cancelConversion(single, LockMode.PR).join();
	}

	@Test
	void conversionTokenIsLargerThanEveryEarlierTokenOfTheKey() {
		LockSession session = session();
		LockSession others = session();
		QueueEntry converting = granted(session, this.key, LockMode.PR);
		QueueEntry concurrent = granted(others, this.key, LockMode.CR);
		QueueEntry nothing = granted(others, this.key, LockMode.NL);
		QueueState state = session.convert(converting, LockMode.PW, false).join();
		assertThat(state.status()).isEqualTo(Status.GRANTED);
		assertThat(state.newToken()).isGreaterThan(concurrent.ticket()).isGreaterThan(nothing.ticket());
		QueueState again = session.convert(converting, LockMode.PR, false).join();
		assertThat(again.newToken()).isGreaterThan(state.newToken());
		QueueEntry later = granted(others, this.key, LockMode.NL);
		assertThat(later.ticket()).isGreaterThan(again.newToken());
	}

	@Test
	void convertingEntryIsRenewedBeyondItsLeaseAndKeepsItsPendingConversion() throws Exception {
		LockSession first = session();
		LockSession second = session();
		QueueEntry converting = granted(first, this.key, LockMode.PR);
		QueueEntry other = granted(second, this.key, LockMode.PR);
		assertThat(first.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		// renewed every quarter lease, both entries stay for two leases
		await().during(LEASE.multipliedBy(2))
			.atMost(LEASE.multipliedBy(3))
			.pollInterval(LEASE.dividedBy(4))
			.until(() -> first.renew(List.of(converting)).join().isEmpty()
					&& second.renew(List.of(other)).join().isEmpty());
		String[] value = stored(converting);
		assertThat(value[3]).isEqualTo("PR");
		assertThat(value[4]).isEqualTo("EX");
		second.remove(other.request()).join();
		assertThat(grantedOnPoll(first, converting).newToken()).isGreaterThan(other.ticket());
	}

	/**
	 * A flagged request's process claims its grant on a copy older than a conversion asked
	 * for just before the claim; the conversion is granted with a larger token and given up
	 * before the claim is checked. The check no longer sees the conversion, so the claim must
	 * draw its token again: granted with its first token, it would begin after a conflicting
	 * grant with a larger token ended (S2). The other process's writes are made by hand,
	 * exactly as its backend makes them, to fix the interleaving.
	 */
	@Test
	void claimCheckedAfterAnEarlierConversionCameAndWentDrawsALargerToken() throws Exception {
		LockSession holder = session();
		NatsLockBackend claimantBackend = this.bucket.backend();
		LockSession claimant = claimantBackend.openSession(LEASE);
		QueueEntry exclusive = granted(holder, this.key, LockMode.EX);
		QueueEntry queued = waiting(claimant, this.key, LockMode.CW);
		KeyValue kv = this.bucket.connect().keyValue(this.bucket.name());
		String resource = KeyCodec.encode(this.key);
		String other = resource + ".anotherProcess";
		long ticket = kv.create(other, value("NL 0 - - 0 0 -"));
		long order = kv.update(other, value("NL " + ticket + " NL EX 0 " + ticket + " -"), ticket);
		long claim = kv.update(resource + "." + queued.request().ownerId(),
				value("CW " + queued.ticket() + " CW - 0 0 -"), storedEntry(queued).getRevision());
		holder.remove(exclusive.request()).join();
		long converted = kv.update(other, value("NL " + ticket + " EX - 0 0 -"), order);
		kv.delete(other);
		assertThat(converted).isGreaterThan(claim);
		// the claimant's copy has seen it all, as a process deciding later would have
		await().atMost(WAIT).until(() -> claimantBackend.watcherPosition() > converted);
		QueueState state = claimant.poll(queued).join();
		assertThat(state.status()).isEqualTo(Status.GRANTED);
		assertThat(state.tokenFor(queued.ticket())).isGreaterThan(converted);
		assertThat(storedToken(queued)).isEqualTo(state.tokenFor(queued.ticket()));
	}

	private byte[] value(String fields) {
		return ("v2 " + fields + " " + this.key).getBytes(StandardCharsets.UTF_8);
	}

	@Test
	void renewalKeepsTheFlagAnotherBackendWroteIntoAWaitingEntry() throws Exception {
		LockSession converter = session();
		LockSession waiter = session();
		QueueEntry converting = granted(converter, this.key, LockMode.PR);
		QueueEntry queued = waiting(waiter, this.key, LockMode.EX);
		assertThat(converter.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.GRANTED);
		assertThat(stored(queued)[7]).isEqualTo("F");
		assertThat(waiter.renew(List.of(queued)).join()).isEmpty();
		assertThat(waiter.renew(List.of(queued)).join()).isEmpty();
		assertThat(stored(queued)[7]).isEqualTo("F");
		assertThat(waiter.poll(queued).join().status()).isEqualTo(Status.WAITING);
	}

	@Test
	void crashOfAConvertingHolderUnblocksOthersWithinItsLease() {
		LockSession crashing = session();
		LockSession other = session();
		LockSession waiter = session();
		QueueEntry converting = granted(crashing, this.key, LockMode.PR);
		QueueEntry reader = granted(other, this.key, LockMode.PR);
		assertThat(crashing.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		QueueEntry queued = waiting(waiter, this.key, LockMode.CR);
		// the converting process stops renewing; the others go on
		QueueState state = await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
			other.renew(List.of(reader)).join();
			waiter.renew(List.of(queued)).join();
			return waiter.poll(queued).join();
		}, (answer) -> answer.status() == Status.GRANTED);
		assertThat(state.tokenFor(queued.ticket())).isGreaterThanOrEqualTo(queued.ticket());
		assertThat(crashing.renew(List.of(converting)).join()).containsExactly(converting);
	}

	@Test
	void concurrentRequestsAndConversionsOfManyProcessesNeverOverlapAndKeepTokenOrder() throws Exception {
		// a lease long enough that no entry needs renewal while it waits
		Duration lease = Duration.ofSeconds(10);
		List<LockSession> sessions = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			sessions.add(this.bucket.backend().openSession(lease));
		}
		ConvertingWorkload.runAndCheck(sessions, List.of(this.key + ":a", this.key + ":b"));
	}

}
