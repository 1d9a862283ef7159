package dev.dlock.backend.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis backend's SPI against a real server: grant rule, fairness, leases, wake-ups,
 * key layout.
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
		assertThat(keys()).hasSize(2).allSatisfy((k) -> assertThat(k).contains("{"));
		assertThat(connection.sync().pttl(keys().get(0))).isBetween(LEASE.toMillis() - 1000, LEASE.toMillis());
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
				+ "local removed = {}\nsweep(KEYS[1], KEYS[2], tonumber(ARGV[1]), removed)\nreturn removed\n";
		String[] keys = { RedisTestKeys.queue(this.prefix, this.key), RedisTestKeys.expiries(this.prefix, this.key) };
		connection.sync().zadd(keys[0], 7, "EX:owner");
		connection.sync().zadd(keys[1], 1_000_000, "EX:owner");
		List<String> atExpiry = connection.sync().eval(script, ScriptOutputType.MULTI, keys, "1000000");
		assertThat(atExpiry).as("swept in the millisecond it expires").isEmpty();
		assertThat(connection.sync().zscore(keys[1], "EX:owner")).isEqualTo(1_000_000d);
		List<String> after = connection.sync().eval(script, ScriptOutputType.MULTI, keys, "1000001");
		assertThat(after).containsExactly("7");
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
