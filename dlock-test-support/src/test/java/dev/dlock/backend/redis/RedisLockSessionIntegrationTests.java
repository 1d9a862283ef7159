package dev.dlock.backend.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.spi.Subscription;
import dev.dlock.support.QueueRules;
import dev.dlock.spi.Queued;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis backend's SPI against a real server: grant rule, fairness, leases, wake-ups,
 * key layout, conversion.
 */
class RedisLockSessionIntegrationTests {

	private static final Duration LEASE = Duration.ofSeconds(5);

	private static RedisClient client;

	private static StatefulRedisConnection<String, String> connection;

	private final String prefix = "dlock-test-" + UUID.randomUUID() + ":";

	private final String key = "order:" + UUID.randomUUID();

	private RedisLockBackend backend;

	private LockSession session;

	@BeforeAll
	static void connect() {
		client = RedisClient.create(RedisServer.shared().uri());
		connection = client.connect();
	}

	@AfterAll
	static void disconnect() {
		connection.close();
		client.shutdown();
	}

	@BeforeEach
	void openBackend() {
		this.backend = RedisLockBackend.builder(client).keyPrefix(this.prefix).build();
		this.session = this.backend.openSession(LEASE);
	}

	@AfterEach
	void closeBackend() {
		this.backend.close();
	}

	@Test
	void uncontendedRequestIsGrantedAndRemovalLeavesNoKeysBehind() {
		AcquireRequest request = request(LockMode.EX, true);
		EnqueueResult result = this.session.enqueue(request).join();
		assertThat(result.state()).isEqualTo(QueueState.GRANTED);
		assertThat(result.entry()).isNotNull();
		assertThat(result.entry().ticket()).isPositive();
		String[] lockKeys = RedisResource.of(this.prefix, this.key).keys();
		// queue, expiries, and the value key with the EX holder's writer mark
		assertThat(keys()).containsExactlyInAnyOrder(lockKeys[0], lockKeys[1], lockKeys[4]);
		// the script counts in the server's microseconds and rounds to a millisecond: up to one over
		assertThat(connection.sync().pttl(lockKeys[0])).isBetween(LEASE.toMillis() - 1000, LEASE.toMillis() + 1);
		this.session.remove(request).join();
		assertThat(keys()).isEmpty();
	}

	@Test
	void compatibleModesAreGrantedTogether() {
		assertThat(enqueue(LockMode.PR).state()).isEqualTo(QueueState.GRANTED);
		assertThat(enqueue(LockMode.PR).state()).isEqualTo(QueueState.GRANTED);
		assertThat(enqueue(LockMode.CR).state()).isEqualTo(QueueState.GRANTED);
		assertThat(enqueue(LockMode.NL).state()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void everyModePairFollowsTheMatrix() {
		for (LockMode held : LockMode.values()) {
			for (LockMode requested : LockMode.values()) {
				String pairKey = this.key + ":" + held + ":" + requested;
				AcquireRequest first = new AcquireRequest(pairKey, held, UUID.randomUUID().toString(), true);
				AcquireRequest second = new AcquireRequest(pairKey, requested, UUID.randomUUID().toString(), false);
				assertThat(this.session.enqueue(first).join().state()).isEqualTo(QueueState.GRANTED);
				Status expected = held.isCompatibleWith(requested) ? Status.GRANTED : Status.REJECTED;
				assertThat(this.session.enqueue(second).join().state().status()).as("%s then %s", held, requested)
					.isEqualTo(expected);
				this.session.remove(first).join();
				this.session.remove(second).join();
			}
		}
	}

	@Test
	void laterCompatibleRequestWaitsBehindEarlierConflictingWaiter() {
		AcquireRequest reader = request(LockMode.PR, true);
		AcquireRequest writer = request(LockMode.EX, true);
		AcquireRequest lateReader = request(LockMode.PR, true);
		assertThat(this.session.enqueue(reader).join().state()).isEqualTo(QueueState.GRANTED);
		EnqueueResult writerResult = this.session.enqueue(writer).join();
		EnqueueResult lateResult = this.session.enqueue(lateReader).join();
		assertThat(writerResult.state().status()).isEqualTo(Status.WAITING);
		assertThat(lateResult.state().status()).isEqualTo(Status.WAITING);
		this.session.remove(reader).join();
		assertThat(this.session.poll(writerResult.entry()).join()).isEqualTo(QueueState.GRANTED);
		assertThat(this.session.poll(lateResult.entry()).join().status()).isEqualTo(Status.WAITING);
		this.session.remove(writer).join();
		assertThat(this.session.poll(lateResult.entry()).join()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void tryThatWouldWaitLeavesNoTrace() {
		enqueue(LockMode.EX);
		AcquireRequest attempt = request(LockMode.PR, false);
		assertThat(this.session.enqueue(attempt).join().state()).isEqualTo(QueueState.REJECTED);
		assertThat(connection.sync().zcard(RedisTestKeys.queue(this.prefix, this.key))).isEqualTo(1);
	}

	@Test
	void ticketsStrictlyIncrease() {
		long previous = 0;
		for (int i = 0; i < 20; i++) {
			AcquireRequest request = request(LockMode.EX, true);
			long ticket = this.session.enqueue(request).join().entry().ticket();
			assertThat(ticket).isGreaterThan(previous);
			previous = ticket;
			this.session.remove(request).join();
		}
	}

	@Test
	void waitingEntryReportsTheRemainingLeaseOfItsBlocker() {
		enqueue(LockMode.EX);
		QueueState state = enqueue(LockMode.EX).state();
		assertThat(state.status()).isEqualTo(Status.WAITING);
		assertThat(state.recheckAfter()).isBetween(LEASE.minusSeconds(1), LEASE.plusMillis(10));
	}

	@Test
	void waiterIsSignalledWhenItsBlockerLeaves() {
		AcquireRequest holder = request(LockMode.EX, true);
		this.session.enqueue(holder).join();
		QueueEntry waiter = enqueue(LockMode.EX).entry();
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = this.session.watch(waiter, signals::incrementAndGet)) {
			assertThat(signals).hasValue(0);
			this.session.remove(holder).join();
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
		}
		assertThat(this.session.poll(waiter).join()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void waiterIsSignalledAtOnceWhenItsBlockerLeftBeforeTheWatchWasRegistered() {
		AcquireRequest holder = request(LockMode.EX, true);
		this.session.enqueue(holder).join();
		RedisQueueEntry waiter = (RedisQueueEntry) enqueue(LockMode.EX).entry();
		ChangeNotifier notifier = this.backend.notifier();
		long before = notifier.changes(waiter.resource().id());
		this.session.remove(holder).join();
		await().atMost(Duration.ofSeconds(2)).until(() -> notifier.changes(waiter.resource().id()) != before);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = this.session.watch(waiter, signals::incrementAndGet)) {
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() == 1);
		}
	}

	@Test
	void releaseAnnouncesTheWaitersItGrantsSoTheirPollNeedsNoRoundTrip() {
		AcquireRequest holder = request(LockMode.PR, true);
		this.session.enqueue(holder).join();
		RedisQueueEntry writer = (RedisQueueEntry) enqueue(LockMode.PW).entry();
		RedisQueueEntry reader = (RedisQueueEntry) enqueue(LockMode.CR).entry();
		RedisQueueEntry lateWriter = (RedisQueueEntry) enqueue(LockMode.CW).entry();
		AtomicInteger writerSignals = new AtomicInteger();
		AtomicInteger lateSignals = new AtomicInteger();
		try (Subscription first = this.session.watch(writer, writerSignals::incrementAndGet);
				Subscription second = this.session.watch(lateWriter, lateSignals::incrementAndGet)) {
			this.session.remove(holder).join();
			await().atMost(Duration.ofSeconds(2)).until(() -> writerSignals.get() > 0);
		}
		// PW and CR are granted together; CW waits for PW
		assertThat(writer.isGrantAnnounced()).isTrue();
		assertThat(reader.isGrantAnnounced()).isFalse();
		assertThat(lateWriter.isGrantAnnounced()).isFalse();
		assertThat(lateSignals).hasValue(0);
		assertThat(this.session.poll(writer)).isCompletedWithValue(QueueState.GRANTED);
		assertThat(this.session.poll(reader).join()).isEqualTo(QueueState.GRANTED);
		assertThat(this.session.poll(lateWriter).join().status()).isEqualTo(Status.WAITING);
	}

	@Test
	void waiterIsNotSignalledWhenAnEntryItDoesNotWaitForLeaves() {
		AcquireRequest firstReader = request(LockMode.PR, true);
		AcquireRequest secondReader = request(LockMode.PR, true);
		this.session.enqueue(firstReader).join();
		this.session.enqueue(secondReader).join();
		RedisQueueEntry writer = (RedisQueueEntry) enqueue(LockMode.EX).entry();
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = this.session.watch(writer, signals::incrementAndGet)) {
			// the writer waits for the latest conflicting entry, the second reader
			long before = this.backend.notifier().changes(writer.resource().id());
			this.session.remove(firstReader).join();
			await().atMost(Duration.ofSeconds(2))
				.until(() -> this.backend.notifier().changes(writer.resource().id()) != before);
			assertThat(signals).hasValue(0);
			this.session.remove(secondReader).join();
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
		}
	}

	@Test
	void renewExtendsLeasesAndReportsEntriesThatAreGone() {
		LockSession shortSession = this.backend.openSession(Duration.ofMillis(600));
		QueueEntry kept = shortSession.enqueue(request(LockMode.PR, true)).join().entry();
		QueueEntry dropped = shortSession.enqueue(new AcquireRequest(this.key + ":other", LockMode.PR, "o", true))
			.join()
			.entry();
		connection.sync().del(((RedisQueueEntry) dropped).resource().keys());
		for (int i = 0; i < 4; i++) {
			Set<QueueEntry> lost = shortSession.renew(List.of(kept, dropped)).join();
			assertThat(lost).containsExactly(dropped);
			await().pollDelay(Duration.ofMillis(300)).until(() -> true);
		}
		assertThat(shortSession.poll(kept).join()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void renewalCoversManyResourcesInFewCallsAndReportsExactlyTheMissingEntries() {
		List<QueueEntry> entries = new ArrayList<>();
		for (int i = 0; i < 250; i++) {
			String resourceKey = this.key + ":" + i;
			entries.add(enqueue(resourceKey, LockMode.PR));
			entries.add(enqueue(resourceKey, LockMode.CR));
		}
		List<QueueEntry> dropped = List.of(entries.get(0), entries.get(201), entries.get(499));
		for (QueueEntry entry : dropped) {
			this.session.remove(entry.request()).join();
		}
		assertThat(this.session.renew(entries).join()).containsExactlyInAnyOrderElementsOf(dropped);
		String expiries = ((RedisQueueEntry) entries.get(300)).resource().keys()[1];
		assertThat(connection.sync().zscore(expiries, ((RedisQueueEntry) entries.get(300)).member()))
			.isGreaterThan((double) System.currentTimeMillis() + LEASE.toMillis() - 1000);
	}

	@Test
	void theServerNeverEndsALeaseBeforeTheClientStopsCountingItValid() {
		// the client counts a lease from before its call was sent; TIME read before sending is
		// earlier still, so the stored expiry must be at least that plus the whole lease,
		// including its sub-millisecond part
		Duration lease = Duration.ofMillis(5000).plusNanos(300_000);
		long leaseMicros = lease.toNanos() / 1000;
		LockSession exact = this.backend.openSession(lease);
		for (int i = 0; i < 50; i++) {
			long enqueueSentAfter = serverMicros();
			RedisQueueEntry entry = (RedisQueueEntry) exact.enqueue(request(LockMode.PR, true)).join().entry();
			assertThat(expiryMicros(entry)).as("expiry set by enqueue %d", i)
				.isGreaterThanOrEqualTo(enqueueSentAfter + leaseMicros);
			long renewalSentAfter = serverMicros();
			assertThat(exact.renew(List.of(entry)).join()).isEmpty();
			assertThat(expiryMicros(entry)).as("expiry set by renewal %d", i)
				.isGreaterThanOrEqualTo(renewalSentAfter + leaseMicros);
		}
	}

	@Test
	void anEntryIsSweptOnlyOnceTheMillisecondOfItsExpiryHasPassed() throws IOException {
		// the sweep of every script, run at a given server millisecond
		String script = prelude()
				+ "local removed = {}\nsweep(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]), removed)\nreturn removed\n";
		String[] keys = RedisResource.of(this.prefix, this.key).keys();
		connection.sync().zadd(keys[0], 7, "EX:owner");
		connection.sync().zadd(keys[1], 1_000_000, "EX:owner");
		connection.sync().hset(keys[2], "EX:owner", "PR:EX:1:0");
		List<String> atExpiry = connection.sync().eval(script, ScriptOutputType.MULTI, keys, "1000000");
		assertThat(atExpiry).as("swept in the millisecond it expires").isEmpty();
		assertThat(connection.sync().zscore(keys[1], "EX:owner")).isEqualTo(1_000_000d);
		List<String> after = connection.sync().eval(script, ScriptOutputType.MULTI, keys, "1000001");
		assertThat(after).containsExactly("7");
		// the conversion record goes with the entry
		assertThat(connection.sync().exists(keys)).isZero();
	}

	@Test
	void entryWithoutRenewalExpiresAndNoLongerBlocks() {
		LockSession shortSession = this.backend.openSession(Duration.ofMillis(300));
		QueueEntry holder = shortSession.enqueue(request(LockMode.EX, true)).join().entry();
		EnqueueResult waiter = enqueue(LockMode.EX);
		// the expiry is rounded up, and the entry is swept once its millisecond has passed
		assertThat(waiter.state().recheckAfter()).isLessThanOrEqualTo(Duration.ofMillis(302));
		await().atMost(Duration.ofSeconds(2))
			.until(() -> this.session.poll(waiter.entry()).join() == QueueState.GRANTED);
		assertThat(shortSession.poll(holder).join()).isEqualTo(QueueState.GONE);
	}

	@Test
	void aTryBehindAnEntryWhoseLeaseRanOutSweepsItAndIsGranted() {
		LockSession shortSession = this.backend.openSession(Duration.ofMillis(300));
		QueueEntry lapsed = shortSession.enqueue(request(LockMode.EX, true)).join().entry();
		// a holder in NL under the long lease keeps the lock's keys beyond the lapsed entry's lease
		assertThat(enqueue(LockMode.NL).state()).isEqualTo(QueueState.GRANTED);
		String[] lockKeys = RedisResource.of(this.prefix, this.key).keys();
		await().atMost(Duration.ofSeconds(2))
			.until(() -> connection.sync().zscore(lockKeys[1], "EX:" + lapsed.request().ownerId()) < serverMillis());
		assertThat(this.session.enqueue(request(LockMode.PW, false)).join().state()).isEqualTo(QueueState.GRANTED);
		assertThat(shortSession.poll(lapsed).join()).isEqualTo(QueueState.GONE);
	}

	/** The server's clock in milliseconds, as the scripts read it. */
	private static long serverMillis() {
		List<String> time = connection.sync().time();
		return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
	}

	@Test
	void removeIsOwnerOnlyAndIdempotent() {
		AcquireRequest holder = request(LockMode.EX, true);
		QueueEntry entry = this.session.enqueue(holder).join().entry();
		this.session.remove(new AcquireRequest(this.key, LockMode.EX, "someone-else", true)).join();
		assertThat(this.session.poll(entry).join()).isEqualTo(QueueState.GRANTED);
		this.session.remove(holder).join();
		this.session.remove(holder).join();
		assertThat(this.session.poll(entry).join()).isEqualTo(QueueState.GONE);
	}

	@Test
	void keysThatLookAlikeOrCarryHashTagCharactersAreDistinctLocks() {
		List<String> keys = List.of("a}b", "a{b}", "{a}", "a", "a ", "a.b", "a*", "a/b", "ä", "a>b", "{", "}");
		for (String hostile : keys) {
			assertThat(this.session.enqueue(new AcquireRequest(hostile + this.key, LockMode.EX, "x", false))
				.join()
				.state()).as(hostile).isEqualTo(QueueState.GRANTED);
		}
	}

	@Test
	void healthIsUp() {
		assertThat(this.backend.health().join().up()).isTrue();
	}

	/**
	 * Conversion (DESIGN.md §12): the scripts against {@link QueueRules}, the reference of
	 * the rules, and what the rules do not say: tokens, wake-ups, leases, cancellation.
	 */
	@Nested
	class Conversion {

		@Test
		void everyHeldAndTargetPairConvertsAloneAndBesideEveryOtherHolderAsTheRulesSay() {
			for (LockMode held : LockMode.values()) {
				for (LockMode target : LockMode.values()) {
					String pairKey = RedisLockSessionIntegrationTests.this.key + ":" + held + ":" + target;
					QueueEntry alone = enqueue(pairKey, held);
					QueueState state = convert(alone, target, false);
					assertThat(state.status()).as("%s to %s alone", held, target).isEqualTo(Status.GRANTED);
					assertThat(state.newToken()).isGreaterThan(alone.ticket());
					remove(alone);
					for (LockMode other : LockMode.values()) {
						if (held.isCompatibleWith(other)) {
							checkBesideAnotherHolder(pairKey + ":" + other, held, target, other);
						}
					}
				}
			}
		}

		private void checkBesideAnotherHolder(String pairKey, LockMode held, LockMode target, LockMode other) {
			QueueEntry converting = enqueue(pairKey, held);
			QueueEntry holder = enqueue(pairKey, other);
			boolean granted = QueueRules.blockerOfConversion(
					List.of(Queued.granted(converting.ticket(), held), Queued.granted(holder.ticket(), other)),
					Queued.granted(converting.ticket(), held), target) == null;
			QueueState state = convert(converting, target, false);
			assertThat(state.status()).as("%s to %s beside %s", held, target, other)
				.isEqualTo(granted ? Status.GRANTED : Status.REJECTED);
			String[] keys = RedisResource.of(prefix, pairKey).keys();
			assertThat(connection.sync().exists(keys[2])).as("a refused conversion records nothing")
				.isEqualTo(granted ? 1 : 0);
			// what new requests find shows the mode the entry holds now
			LockMode now = granted ? target : held;
			for (LockMode probe : LockMode.values()) {
				assertThat(tryMode(pairKey, probe)).as("%s after %s to %s beside %s", probe, held, target, other)
					.isEqualTo((probe.isCompatibleWith(now) && probe.isCompatibleWith(other)) ? Status.GRANTED
							: Status.REJECTED);
			}
			connection.sync().del(keys);
		}

		@Test
		void randomQueuesDecideAsTheReferenceRulesDo() {
			Map<String, Integer> seen = new TreeMap<>();
			for (long seed = 1; seed <= 10; seed++) {
				new Differential(RedisLockSessionIntegrationTests.this.key + ":" + seed, new Random(seed), seen)
					.run(250);
			}
			// the random queues reached every case worth checking
			assertThat(seen).containsKeys("convert GRANTED", "convert WAITING", "convert REJECTED", "convert DEADLOCK",
					"conversion granted on poll", "new token of a request that waited across a conversion");
		}

		@Test
		void aConversionIsNotOvertakenByANewRequestQueuedBeforeIt() {
			AcquireRequest other = request(LockMode.PR, true);
			QueueEntry reader = enqueue(LockMode.PR).entry();
			session.enqueue(other).join();
			EnqueueResult writer = enqueue(LockMode.EX);
			assertThat(writer.state().status()).isEqualTo(Status.WAITING);
			assertThat(convert(reader, LockMode.PW, true).status()).isEqualTo(Status.WAITING);
			session.remove(other).join();
			QueueState upgraded = session.poll(reader).join();
			assertThat(upgraded.status()).isEqualTo(Status.GRANTED);
			assertThat(upgraded.newToken()).isGreaterThan(writer.entry().ticket());
			assertThat(session.poll(writer.entry()).join().status()).isEqualTo(Status.WAITING);
		}

		@Test
		void aWaitingNewRequestNeverBlocksAConversion() {
			QueueEntry reader = enqueue(LockMode.PR).entry();
			EnqueueResult writer = enqueue(LockMode.EX);
			assertThat(writer.state().status()).isEqualTo(Status.WAITING);
			assertThat(convert(reader, LockMode.PW, false).status()).isEqualTo(Status.GRANTED);
			assertThat(session.poll(writer.entry()).join().status()).isEqualTo(Status.WAITING);
		}

		@Test
		void theLaterOfTwoConversionsThatWaitForEachOtherIsRefusedAndTheEarlierProceedsOnRelease() {
			QueueEntry first = enqueue(LockMode.PR).entry();
			AcquireRequest secondRequest = request(LockMode.PR, true);
			QueueEntry second = session.enqueue(secondRequest).join().entry();
			assertThat(convert(first, LockMode.EX, true).status()).isEqualTo(Status.WAITING);
			assertThat(convert(second, LockMode.EX, true)).isEqualTo(QueueState.DEADLOCK);
			// refused, nothing recorded: the second still holds PR and waits for nothing
			assertThat(session.poll(second).join()).isEqualTo(QueueState.GRANTED);
			assertThat(session.poll(first).join().status()).isEqualTo(Status.WAITING);
			AtomicInteger signals = new AtomicInteger();
			try (Subscription subscription = session.watch(first, signals::incrementAndGet)) {
				session.remove(secondRequest).join();
				await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
			}
			assertThat(session.poll(first).join().status()).isEqualTo(Status.GRANTED);
		}

		@Test
		void theEarlierOfTwoDeadlockedConversionsProceedsWhenTheLaterDownConverts() {
			QueueEntry first = enqueue(LockMode.PR).entry();
			QueueEntry second = enqueue(LockMode.PR).entry();
			assertThat(convert(first, LockMode.EX, true).status()).isEqualTo(Status.WAITING);
			assertThat(convert(second, LockMode.EX, true)).isEqualTo(QueueState.DEADLOCK);
			AtomicInteger signals = new AtomicInteger();
			try (Subscription subscription = session.watch(first, signals::incrementAndGet)) {
				assertThat(convert(second, LockMode.NL, false).status()).isEqualTo(Status.GRANTED);
				await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
			}
			assertThat(session.poll(first).join().status()).isEqualTo(Status.GRANTED);
		}

		@Test
		void aDownConversionLetsAWaiterInAndWakesIt() {
			QueueEntry writer = enqueue(LockMode.EX).entry();
			EnqueueResult reader = enqueue(LockMode.PR);
			assertThat(reader.state().status()).isEqualTo(Status.WAITING);
			AtomicInteger signals = new AtomicInteger();
			try (Subscription subscription = session.watch(reader.entry(), signals::incrementAndGet)) {
				QueueState down = convert(writer, LockMode.PR, false);
				assertThat(down.status()).isEqualTo(Status.GRANTED);
				assertThat(down.newToken()).isGreaterThan(reader.entry().ticket());
				await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
			}
			QueueState granted = session.poll(reader.entry()).join();
			assertThat(granted.status()).isEqualTo(Status.GRANTED);
			// the reader waited across the down-conversion and does not conflict with PR: any
			// token it gets is above its ticket
			assertThat(granted.tokenFor(reader.entry().ticket())).isGreaterThanOrEqualTo(reader.entry().ticket());
		}

		@Test
		void aWaitingConversionIsWokenWhenTheConversionAheadOfItIsWithdrawn() {
			enqueue(LockMode.CR);
			QueueEntry ahead = enqueue(LockMode.NL).entry();
			QueueEntry behind = enqueue(LockMode.NL).entry();
			assertThat(convert(ahead, LockMode.EX, true).status()).isEqualTo(Status.WAITING);
			// PW admits the CR holder, but not the EX conversion ahead of it
			assertThat(convert(behind, LockMode.PW, true).status()).isEqualTo(Status.WAITING);
			AtomicInteger signals = new AtomicInteger();
			try (Subscription subscription = session.watch(behind, signals::incrementAndGet)) {
				session.cancelConversion(ahead, LockMode.NL).join();
				await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
			}
			assertThat(session.poll(behind).join().status()).isEqualTo(Status.GRANTED);
			assertThat(session.poll(ahead).join()).isEqualTo(QueueState.GRANTED);
		}

		@Test
		void cancellingAWaitingConversionLeavesTheOldModeAndLetsInWhatItsTargetKeptOut() {
			QueueEntry converting = enqueue(LockMode.PR).entry();
			enqueue(LockMode.PR);
			assertThat(convert(converting, LockMode.EX, true).status()).isEqualTo(Status.WAITING);
			// the pending EX keeps a new CR request out
			EnqueueResult reader = enqueue(LockMode.CR);
			assertThat(reader.state().status()).isEqualTo(Status.WAITING);
			AtomicInteger signals = new AtomicInteger();
			try (Subscription subscription = session.watch(reader.entry(), signals::incrementAndGet)) {
				session.cancelConversion(converting, LockMode.PR).join();
				await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
			}
			assertThat(session.poll(reader.entry()).join()).isEqualTo(QueueState.GRANTED);
			assertThat(session.poll(converting).join()).isEqualTo(QueueState.GRANTED);
			assertThat(tryMode(LockMode.PR)).isEqualTo(Status.GRANTED);
			assertThat(tryMode(LockMode.PW)).isEqualTo(Status.REJECTED);
			// idempotent
			session.cancelConversion(converting, LockMode.PR).join();
			assertThat(tryMode(LockMode.PR)).isEqualTo(Status.GRANTED);
		}

		@Test
		void cancellingAConversionGrantedMeanwhileUndoesIt() {
			QueueEntry converting = enqueue(LockMode.PR).entry();
			assertThat(convert(converting, LockMode.EX, false).status()).isEqualTo(Status.GRANTED);
			assertThat(tryMode(LockMode.PR)).isEqualTo(Status.REJECTED);
			session.cancelConversion(converting, LockMode.PR).join();
			assertThat(tryMode(LockMode.PR)).isEqualTo(Status.GRANTED);
			assertThat(tryMode(LockMode.PW)).isEqualTo(Status.REJECTED);
		}

		@Test
		void cancellingNeverTakesBackAStrongerModeThanTheEntryHolds() {
			QueueEntry converting = enqueue(LockMode.EX).entry();
			assertThat(convert(converting, LockMode.PR, false).status()).isEqualTo(Status.GRANTED);
			assertThat(enqueue(LockMode.PR).state()).isEqualTo(QueueState.GRANTED);
			session.cancelConversion(converting, LockMode.EX).join();
			assertThat(tryMode(LockMode.PR)).isEqualTo(Status.GRANTED);
		}

		@Test
		void cancellingTheConversionOfAGoneEntryIsSilent() {
			AcquireRequest request = request(LockMode.PR, true);
			QueueEntry entry = session.enqueue(request).join().entry();
			session.remove(request).join();
			session.cancelConversion(entry, LockMode.PR).join();
			assertThat(convert(entry, LockMode.EX, true)).isEqualTo(QueueState.GONE);
			assertThat(keys()).isEmpty();
		}

		@Test
		void aConversionTokenExceedsEveryEarlierTokenAndLaterTicketsExceedIt() {
			QueueEntry first = enqueue(LockMode.CR).entry();
			long highest = first.ticket();
			for (int i = 0; i < 10; i++) {
				QueueEntry other = enqueue(LockMode.CR).entry();
				assertThat(other.ticket()).isGreaterThan(highest);
				QueueState converted = convert(first, (i % 2 == 0) ? LockMode.CW : LockMode.CR, false);
				assertThat(converted.newToken()).isGreaterThan(Math.max(highest, other.ticket()));
				highest = converted.newToken();
			}
			assertThat(enqueue(LockMode.NL).entry().ticket()).isGreaterThan(highest);
		}

		@Test
		void aRequestThatWaitedAcrossAConversionDrawsALargerTokenWhenGranted() {
			AcquireRequest holderRequest = request(LockMode.PR, true);
			QueueEntry holder = session.enqueue(holderRequest).join().entry();
			EnqueueResult writer = enqueue(LockMode.EX);
			QueueState upgraded = convert(holder, LockMode.EX, false);
			assertThat(upgraded.newToken()).isGreaterThan(writer.entry().ticket());
			EnqueueResult late = enqueue(LockMode.EX);
			session.remove(holderRequest).join();
			QueueState granted = session.poll(writer.entry()).join();
			assertThat(granted.status()).isEqualTo(Status.GRANTED);
			assertThat(granted.newToken()).isGreaterThan(upgraded.newToken());
			// asked again, the grant answers the same
			assertThat(session.poll(writer.entry()).join()).isEqualTo(granted);
			session.remove(writer.entry().request()).join();
			// a request queued after the conversion has a larger ticket, but the writer drew a
			// larger token still and ended before it: it draws one too (the model checker's trail)
			assertThat(late.entry().ticket()).isGreaterThan(upgraded.newToken());
			assertThat(session.poll(late.entry()).join().newToken()).isGreaterThan(granted.newToken());
			session.remove(late.entry().request()).join();
			// a request queued after the last draw keeps its ticket, already larger
			EnqueueResult last = enqueue(LockMode.EX);
			assertThat(last.state()).isEqualTo(QueueState.GRANTED);
		}

		@Test
		void aConvertingHolderThatCrashesStopsBlockingWithinItsLease() {
			LockSession crashing = backend.openSession(Duration.ofMillis(400));
			QueueEntry converting = crashing.enqueue(request(LockMode.PR, true)).join().entry();
			QueueEntry reader = enqueue(LockMode.PR).entry();
			assertThat(crashing.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
			EnqueueResult blocked = enqueue(LockMode.CR);
			assertThat(blocked.state().status()).isEqualTo(Status.WAITING);
			assertThat(blocked.state().recheckAfter()).isLessThanOrEqualTo(Duration.ofMillis(402));
			await().atMost(Duration.ofSeconds(3))
				.until(() -> session.poll(blocked.entry()).join() == QueueState.GRANTED);
			assertThat(crashing.poll(converting).join()).isEqualTo(QueueState.GONE);
			assertThat(convert(reader, LockMode.PW, false).status()).isEqualTo(Status.GRANTED);
		}

		@Test
		void renewalKeepsAConvertingEntryAndItsConversionBeyondTheLease() {
			LockSession shortSession = backend.openSession(Duration.ofMillis(600));
			QueueEntry converting = shortSession.enqueue(request(LockMode.PR, true)).join().entry();
			AcquireRequest otherRequest = request(LockMode.PR, true);
			session.enqueue(otherRequest).join();
			assertThat(shortSession.convert(converting, LockMode.EX, true).join().status())
				.isEqualTo(Status.WAITING);
			for (int i = 0; i < 4; i++) {
				assertThat(shortSession.renew(List.of(converting)).join()).isEmpty();
				await().pollDelay(Duration.ofMillis(300)).until(() -> true);
			}
			assertThat(shortSession.poll(converting).join().status()).isEqualTo(Status.WAITING);
			session.remove(otherRequest).join();
			QueueState granted = shortSession.poll(converting).join();
			assertThat(granted.status()).isEqualTo(Status.GRANTED);
			assertThat(granted.newToken()).isGreaterThan(converting.ticket());
		}

		@Test
		void aLoneHolderConvertsUpAndDownWithNewTokensAndItsRecordExpiresWithTheQueue() {
			AcquireRequest holder = request(LockMode.PR, true);
			QueueEntry entry = session.enqueue(holder).join().entry();
			QueueState up = convert(entry, LockMode.EX, true);
			assertThat(up.status()).isEqualTo(Status.GRANTED);
			assertThat(up.newToken()).isGreaterThan(entry.ticket());
			String[] keys = RedisResource.of(prefix, key).keys();
			assertThat(connection.sync().hget(keys[2], holder.mode() + ":" + holder.ownerId()))
				.isEqualTo("EX:::" + up.newToken());
			assertThat(connection.sync().pexpiretime(keys[2])).isEqualTo(connection.sync().pexpiretime(keys[0]));
			assertThat(tryMode(LockMode.CR)).as("the grant keeps out what EX does").isEqualTo(Status.REJECTED);
			QueueState down = convert(entry, LockMode.PR, true);
			assertThat(down.newToken()).isGreaterThan(up.newToken());
			assertThat(tryMode(LockMode.CR)).isEqualTo(Status.GRANTED);
			EnqueueResult later = enqueue(LockMode.PR);
			assertThat(later.state()).isEqualTo(QueueState.GRANTED);
			assertThat(later.entry().ticket()).isGreaterThan(down.newToken());
		}

		@Test
		void aLoneHolderWhoseLeaseRanOutCannotConvert() {
			LockSession shortSession = backend.openSession(Duration.ofMillis(300));
			QueueEntry entry = shortSession.enqueue(request(LockMode.PR, true)).join().entry();
			await().atMost(Duration.ofSeconds(3))
				.until(() -> connection.sync().pexpiretime(RedisResource.of(prefix, key).keys()[1]) < serverMillis());
			assertThat(shortSession.convert(entry, LockMode.EX, true).join()).isEqualTo(QueueState.GONE);
			assertThat(keys()).isEmpty();
		}

		@Test
		void theConversionKeyExpiresWithTheQueueAndGoesWithItsLastEntry() {
			AcquireRequest holder = request(LockMode.PR, true);
			QueueEntry entry = session.enqueue(holder).join().entry();
			enqueue(LockMode.PR);
			assertThat(convert(entry, LockMode.EX, true).status()).isEqualTo(Status.WAITING);
			String[] keys = RedisResource.of(prefix, key).keys();
			assertThat(connection.sync().pexpiretime(keys[2])).isEqualTo(connection.sync().pexpiretime(keys[0]));
			session.remove(holder).join();
			assertThat(connection.sync().pexpiretime(keys[2])).isEqualTo(connection.sync().pexpiretime(keys[0]));
			connection.sync().del(keys[0], keys[1]);
			AcquireRequest last = request(LockMode.EX, true);
			session.enqueue(last).join();
			session.remove(last).join();
			assertThat(keys()).isEmpty();
		}

		private QueueState convert(QueueEntry entry, LockMode mode, boolean wait) {
			return session.convert(entry, mode, wait).join();
		}

		private Status tryMode(LockMode mode) {
			return tryMode(key, mode);
		}

		private Status tryMode(String resourceKey, LockMode mode) {
			AcquireRequest attempt = new AcquireRequest(resourceKey, mode, UUID.randomUUID().toString(), false);
			Status status = session.enqueue(attempt).join().state().status();
			session.remove(attempt).join();
			return status;
		}

		private void remove(QueueEntry entry) {
			session.remove(entry.request()).join();
		}

	}

	/**
	 * Random operations on one queue, each checked against {@link QueueRules} over a model
	 * in which waiting requests are granted as soon as the rules let them (the server decides
	 * them on every call) and conversions when their entry asks. Every entry is polled after
	 * every step.
	 */
	private final class Differential {

		private final String resourceKey;

		private final Random random;

		private final List<ModelEntry> entries = new ArrayList<>();

		private long conversions;

		private long highestToken;

		private final Map<String, Integer> seen;

		Differential(String resourceKey, Random random, Map<String, Integer> seen) {
			this.resourceKey = resourceKey;
			this.random = random;
			this.seen = seen;
		}

		void run(int steps) {
			for (int step = 0; step < steps; step++) {
				String what = step();
				grantWaiting();
				for (ModelEntry entry : List.copyOf(this.entries)) {
					poll(entry, what);
				}
			}
			connection.sync().del(RedisResource.of(prefix, this.resourceKey).keys());
		}

		private String step() {
			List<ModelEntry> idle = this.entries.stream()
				.filter((e) -> e.granted != null && e.requested == null)
				.toList();
			List<ModelEntry> converting = this.entries.stream().filter(ModelEntry::isConverting).toList();
			int dice = this.random.nextInt(100);
			if (this.entries.size() < 2 || (dice < 25 && this.entries.size() < 7)) {
				return enqueue(mode(), this.random.nextInt(4) != 0);
			}
			if (dice < 40) {
				ModelEntry gone = this.entries.get(this.random.nextInt(this.entries.size()));
				session.remove(gone.entry.request()).join();
				this.entries.remove(gone);
				return "remove " + gone;
			}
			if (dice < 50 && !converting.isEmpty()) {
				ModelEntry entry = converting.get(this.random.nextInt(converting.size()));
				session.cancelConversion(entry.entry, entry.granted).join();
				entry.requested = null;
				return "cancel " + entry;
			}
			if (!idle.isEmpty()) {
				ModelEntry entry = idle.get(this.random.nextInt(idle.size()));
				return convert(entry, mode(), this.random.nextInt(4) != 0);
			}
			return "nothing";
		}

		private String enqueue(LockMode mode, boolean wait) {
			String what = "enqueue " + mode + (wait ? "" : " (try)") + " into " + this.entries;
			EnqueueResult result = session
				.enqueue(new AcquireRequest(this.resourceKey, mode, UUID.randomUUID().toString(), wait))
				.join();
			if (result.entry() != null) {
				assertThat(result.entry().ticket()).as(what).isGreaterThan(this.highestToken);
				this.highestToken = result.entry().ticket();
			}
			Queued asking = Queued.waiting(Long.MAX_VALUE, mode);
			List<Queued> queue = queue();
			queue.add(asking);
			Status expected = (QueueRules.blockerOfRequest(queue, asking) == null) ? Status.GRANTED
					: wait ? Status.WAITING : Status.REJECTED;
			assertThat(result.state().status()).as(what).isEqualTo(expected);
			if (expected != Status.REJECTED) {
				ModelEntry added = new ModelEntry(result.entry(), mode);
				if (expected == Status.GRANTED) {
					added.granted = mode;
					added.requested = null;
				}
				this.entries.add(added);
			}
			return what;
		}

		private String convert(ModelEntry entry, LockMode target, boolean wait) {
			String what = "convert " + entry + " to " + target + (wait ? "" : " (try)") + " in " + this.entries;
			QueueState state = session.convert(entry.entry, target, wait).join();
			List<Queued> queue = queue();
			Queued asking = entry.queued();
			Status expected;
			if (QueueRules.blockerOfConversion(queue, asking, target) == null) {
				expected = Status.GRANTED;
			}
			else if (QueueRules.closesCycle(queue, asking, target)) {
				expected = Status.DEADLOCK;
			}
			else {
				expected = wait ? Status.WAITING : Status.REJECTED;
			}
			assertThat(state.status()).as(what).isEqualTo(expected);
			this.seen.merge("convert " + expected, 1, Integer::sum);
			if (expected == Status.GRANTED) {
				convertedTo(entry, target, state, what);
			}
			else if (expected == Status.WAITING) {
				entry.requested = target;
				entry.order = ++this.conversions;
			}
			return what;
		}

		private void poll(ModelEntry entry, String after) {
			QueueState state = session.poll(entry.entry).join();
			String what = "poll " + entry + " after " + after + " in " + this.entries;
			if (entry.isConverting()) {
				boolean granted = QueueRules.blockerOfConversion(queue(), entry.queued(), entry.requested) == null;
				assertThat(state.status()).as(what).isEqualTo(granted ? Status.GRANTED : Status.WAITING);
				if (granted) {
					this.seen.merge("conversion granted on poll", 1, Integer::sum);
					convertedTo(entry, entry.requested, state, what);
					grantWaiting();
				}
				return;
			}
			assertThat(state.status()).as(what).isEqualTo((entry.granted != null) ? Status.GRANTED : Status.WAITING);
			this.highestToken = Math.max(this.highestToken, state.newToken());
			if (state.status() == Status.GRANTED && entry.flaggedBy != 0 && !entry.tokenChecked) {
				assertThat(state.newToken()).as("token of a request that waited across a conversion, " + what)
					.isGreaterThan(entry.flaggedBy);
				entry.tokenChecked = true;
				this.seen.merge("new token of a request that waited across a conversion", 1, Integer::sum);
			}
		}

		private void convertedTo(ModelEntry entry, LockMode target, QueueState state, String what) {
			assertThat(state.newToken()).as("token of " + what).isGreaterThan(this.highestToken);
			this.highestToken = state.newToken();
			entry.granted = target;
			entry.requested = null;
			for (ModelEntry other : this.entries) {
				if (other.granted == null) {
					other.flaggedBy = state.newToken();
				}
			}
		}

		/** Grants the waiting requests the rules let in, as the server does on its next call. */
		private void grantWaiting() {
			for (ModelEntry entry : this.entries) {
				if (entry.granted == null && QueueRules.blockerOfRequest(queue(), entry.queued()) == null) {
					entry.granted = entry.requested;
					entry.requested = null;
				}
			}
		}

		private List<Queued> queue() {
			List<Queued> queue = new ArrayList<>();
			for (ModelEntry entry : this.entries) {
				queue.add(entry.queued());
			}
			return queue;
		}

		private LockMode mode() {
			return LockMode.values()[this.random.nextInt(LockMode.values().length)];
		}

	}

	/** An entry of the {@link Differential} model. */
	private static final class ModelEntry {

		final QueueEntry entry;

		@Nullable LockMode granted;

		@Nullable LockMode requested;

		long order;

		long flaggedBy;

		boolean tokenChecked;

		ModelEntry(@Nullable QueueEntry entry, LockMode mode) {
			this.entry = Objects.requireNonNull(entry);
			this.requested = mode;
		}

		boolean isConverting() {
			return this.granted != null && this.requested != null;
		}

		Queued queued() {
			return new Queued(this.entry.ticket(), this.granted, this.requested, this.order);
		}

		@Override
		public String toString() {
			return this.entry.ticket() % 100_000 + ":" + this.granted + (isConverting() ? ">" : "/") + this.requested;
		}

	}

	private EnqueueResult enqueue(LockMode mode) {
		return this.session.enqueue(request(mode, true)).join();
	}

	private QueueEntry enqueue(String resourceKey, LockMode mode) {
		return this.session.enqueue(new AcquireRequest(resourceKey, mode, UUID.randomUUID().toString(), true))
			.join()
			.entry();
	}

	private AcquireRequest request(LockMode mode, boolean wait) {
		return new AcquireRequest(this.key, mode, UUID.randomUUID().toString(), wait);
	}

	/** The prelude every script starts with. */
	private static String prelude() throws IOException {
		try (InputStream in = LuaScript.class.getResourceAsStream("common.lua")) {
			assertThat(in).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	/** The server clock in microseconds. */
	private static long serverMicros() {
		List<String> time = connection.sync().time();
		return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
	}

	/** The lease expiry stored for an entry, in microseconds. */
	private static long expiryMicros(RedisQueueEntry entry) {
		Double expiry = connection.sync().zscore(entry.resource().keys()[1], entry.member());
		assertThat(expiry).isNotNull();
		return expiry.longValue() * 1000;
	}

	private List<String> keys() {
		return RedisTestKeys.scan(connection.sync(), this.prefix);
	}

}
