package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.spi.Subscription;
import dev.dlock.support.KeyCodec;
import dev.dlock.support.KeyDigest;
import dev.dlock.spi.Queued;
import dev.dlock.testserver.NatsServer;
import io.nats.client.JetStreamManagement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reading and watching a holder's queue on the NATS backend, for blocking notifications:
 * the holder and the others are sessions of backends of their own, each on its own
 * connection as another process would have, against the shared nats-server.
 */
class NatsBlockingQueueIntegrationTests {

	private static final Duration LEASE = Duration.ofSeconds(2);

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * From a new request to the signal of a holder whose watcher lost its consumer: the
	 * check period, two round trips and the delivery, with room for a loaded machine.
	 */
	private static final Duration CONSUMER_LOST = Duration.ofSeconds(3);

	private final NatsTestBucket bucket = new NatsTestBucket(NatsServer.shared().url());

	private final String key = "nats-blocking:" + UUID.randomUUID();

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

	private static QueueEntry waiting(LockSession session, String key, LockMode mode) {
		EnqueueResult result = session.enqueue(request(key, mode, true)).join();
		assertThat(result.state().status()).as("%s on %s", mode, key).isEqualTo(Status.WAITING);
		return result.entry();
	}

	private static List<Queued> queue(LockSession session, QueueEntry entry) {
		return session.queue(entry).join();
	}

	@Test
	void backendDeclaresBlockingNotifications() {
		assertThat(this.bucket.backend().capabilities()).contains(BackendCapability.BLOCKING_NOTIFICATIONS);
	}

	@Test
	void queueShowsTheHolderGrantedAndALaterConflictingWaiterWithItsModeAndTicket() {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		QueueEntry reader = granted(other, this.key, LockMode.CR);
		QueueEntry writer = waiting(other, this.key, LockMode.EX);
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(queue(holder, held)).containsExactlyInAnyOrder(
					Queued.granted(held.ticket(), LockMode.PR), Queued.granted(reader.ticket(), LockMode.CR),
					Queued.waiting(writer.ticket(), LockMode.EX)));
	}

	@Test
	void waitingConversionShowsAsConvertingWithItsTargetAndTheSameOrderOnEveryRead() {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		QueueEntry converting = granted(other, this.key, LockMode.PR);
		assertThat(other.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		Queued conversion = await().atMost(WAIT)
			.until(() -> queue(holder, held).stream()
				.filter((queued) -> queued.ticket() == converting.ticket())
				.findFirst()
				.orElse(null), (queued) -> queued != null && queued.isConverting());
		assertThat(conversion.granted()).isEqualTo(LockMode.PR);
		assertThat(conversion.requested()).isEqualTo(LockMode.EX);
		assertThat(conversion.conversionOrder()).isGreaterThan(converting.ticket());
		// a poll of the conversion rewrites nothing: it stays the same record
		assertThat(other.poll(converting).join().status()).isEqualTo(Status.WAITING);
		assertThat(queue(holder, held)).containsExactlyInAnyOrder(Queued.granted(held.ticket(), LockMode.PR),
				conversion);
	}

	@Test
	void removedWaiterDisappears() {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.EX);
		QueueEntry waiter = waiting(other, this.key, LockMode.PR);
		await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.waiting(waiter.ticket(), LockMode.PR)));
		other.remove(waiter.request()).join();
		await().atMost(WAIT)
			.until(() -> queue(holder, held).equals(List.of(Queued.granted(held.ticket(), LockMode.EX))));
	}

	@Test
	void waiterOfASessionThatStoppedRenewingDisappearsOnceItsHeartbeatRunsOut() throws Exception {
		LockSession holder = session();
		LockSession crashed = session();
		QueueEntry held = granted(holder, this.key, LockMode.EX);
		QueueEntry waiter = waiting(crashed, this.key, LockMode.EX);
		await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.waiting(waiter.ticket(), LockMode.EX)));
		// the crashed session renews no more; nobody waits behind its entry, so nobody
		// deletes it: it stays in the bucket for the entries' max age (a day)
		await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
			assertThat(holder.renew(List.of(held)).join()).isEmpty();
			return queue(holder, held).equals(List.of(Queued.granted(held.ticket(), LockMode.EX)));
		});
		assertThat(this.bucket.entryCount(this.key)).isEqualTo(2);
	}

	@Test
	void waiterOfAClosedSessionDisappearsWithinALease() throws Exception {
		LockSession holder = session();
		LockSession closed = session();
		QueueEntry held = granted(holder, this.key, LockMode.EX);
		QueueEntry waiter = waiting(closed, this.key, LockMode.EX);
		await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.waiting(waiter.ticket(), LockMode.EX)));
		// its heartbeat is deleted; its entry stays until someone waits behind it
		closed.close();
		await().atMost(LEASE.plusSeconds(1))
			.until(() -> queue(holder, held).equals(List.of(Queued.granted(held.ticket(), LockMode.EX))));
		assertThat(this.bucket.entryCount(this.key)).isEqualTo(2);
	}

	@Test
	void waiterWhoseHeartbeatNeverReachedTheHolderShowsWhileYoungerThanALease() throws Exception {
		LockSession holder = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		// an entry written as an enqueue writes it, under a session whose heartbeat the
		// holder's process has not seen (here: never will)
		String value = "v3 EX 0 - - 0 0 - unseenSession " + this.key;
		long ticket = this.bucket.connect()
			.keyValue(this.bucket.name())
			.put(KeyCodec.encode(this.key) + ".unseenOwner", value.getBytes(StandardCharsets.UTF_8));
		await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.waiting(ticket, LockMode.EX)));
		await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
			assertThat(holder.renew(List.of(held)).join()).isEmpty();
			return queue(holder, held).equals(List.of(Queued.granted(held.ticket(), LockMode.PR)));
		});
	}

	@Test
	void queueOfAnEntryThatIsGoneIsEmpty() {
		LockSession holder = session();
		QueueEntry held = granted(holder, this.key, LockMode.EX);
		assertThat(queue(holder, held)).containsExactly(Queued.granted(held.ticket(), LockMode.EX));
		holder.remove(held.request()).join();
		await().atMost(WAIT).until(() -> queue(holder, held).isEmpty());
	}

	@Test
	void holderOfAnotherBackendInstanceIsSignalledWhenANewRequestWaits() {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = holder.watchQueue(held, signals::incrementAndGet,
				handOverCounted(signals))) {
			QueueEntry writer = waiting(other, this.key, LockMode.EX);
			await().atMost(WAIT).until(() -> signals.get() > 0);
			assertThat(queue(holder, held)).contains(Queued.waiting(writer.ticket(), LockMode.EX));
		}
	}

	@Test
	void holderIsSignalledWhenAnotherHolderStartsWaitingForAConversion() {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		QueueEntry converting = granted(other, this.key, LockMode.PR);
		await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.granted(converting.ticket(), LockMode.PR)));
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = holder.watchQueue(held, signals::incrementAndGet,
				handOverCounted(signals))) {
			// the other holder's entry is in the copy already: only its conversion can signal
			assertThat(other.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
			await().atMost(WAIT).until(() -> signals.get() > 0);
		}
	}

	@Test
	void watcherIsHandedEachRequestAndConversionThatStartsToWaitAsTheQueueShowsItButNoTry() {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		QueueEntry converting = granted(other, this.key, LockMode.PR);
		List<Queued> handed = new CopyOnWriteArrayList<>();
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = holder.watchQueue(held, signals::incrementAndGet, handed::add)) {
			assertThat(other.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
			assertThat(other.enqueue(request(this.key, LockMode.EX, false)).join().state())
				.isEqualTo(QueueState.REJECTED);
			QueueEntry writer = waiting(other, this.key, LockMode.PW);
			await().atMost(WAIT).until(() -> handed.size() >= 2);
			List<Queued> queue = queue(holder, held);
			Queued conversion = queue.stream().filter(Queued::isConverting).findFirst().orElseThrow();
			assertThat(conversion.ticket()).isEqualTo(converting.ticket());
			assertThat(handed).containsExactly(conversion, Queued.waiting(writer.ticket(), LockMode.PW));
			assertThat(queue).containsAll(handed);
			assertThat(signals.get()).as("a hand-over stands for the signal (LockSession#watchQueue)").isZero();
		}
	}

	@Test
	void rewritesOfOtherEntriesByTheirRenewalsDoNotSignal() throws Exception {
		LockSession holder = shortLivedEntries().openSession(LEASE);
		LockSession other = shortLivedEntries().openSession(LEASE);
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		QueueEntry reader = granted(other, this.key, LockMode.PR);
		await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.granted(reader.ticket(), LockMode.PR)));
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = holder.watchQueue(held, signals::incrementAndGet, handOverCounted(signals))) {
			// rounds until the reader's rewrite is due (a lease after its last write) and done
			await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
				assertThat(holder.renew(List.of(held)).join()).isEmpty();
				assertThat(other.renew(List.of(reader)).join()).isEmpty();
				return storedRevision(reader) > reader.ticket();
			});
			// a new request, after the rewrite in stream order, signals once
			QueueEntry writer = waiting(other, this.key, LockMode.EX);
			await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.waiting(writer.ticket(), LockMode.EX)));
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> signals.get() == 1);
		}
	}

	/** A backend whose entries live twice the lease: a session rewrites each one a lease after its last write. */
	private NatsLockBackend shortLivedEntries() {
		return this.bucket.register(NatsLockBackend.builder(this.bucket.backendConnection())
			.bucket(this.bucket.name())
			.entryMaxAge(LEASE.multipliedBy(2))
			.build());
	}

	private long storedRevision(QueueEntry entry) throws Exception {
		return this.bucket.connect()
			.keyValue(this.bucket.name())
			.get(KeyCodec.encode(entry.request().key()) + "." + entry.request().ownerId())
			.getRevision();
	}

	@Test
	void holderWatchingItsQueueKeepsItsWatcherAliveAndIsSignalledSoonAfterItsConsumerIsLost() throws Exception {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.EX);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = holder.watchQueue(held, signals::incrementAndGet, handOverCounted(signals))) {
			JetStreamManagement management = this.bucket.connect().jetStreamManagement();
			for (String consumer : management.getConsumerNames("KV_" + this.bucket.name())) {
				management.deleteConsumer("KV_" + this.bucket.name(), consumer);
			}
			long enqueuedAt = System.nanoTime();
			waiting(other, this.key, LockMode.EX);
			// the watcher's check (once a second while a holder watches) finds its consumer gone
			// and re-creates it; the client's heartbeat alarm alone takes over 5 s
			await().atMost(WAIT).until(() -> signals.get() > 0);
			assertThat(Duration.ofNanos(System.nanoTime() - enqueuedAt)).isLessThan(CONSUMER_LOST);
		}
	}

	@Test
	void triesThatWouldWaitNeitherShowNorSignal() throws Exception {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.PW);
		QueueEntry reader = granted(other, this.key, LockMode.CR);
		HoldingConnection holding = new HoldingConnection(this.bucket.backendConnection());
		LockSession trying = this.bucket.register(NatsLockBackend.builder(holding.connection())
			.bucket(this.bucket.name())
			.build()).openSession(LEASE);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = holder.watchQueue(held, signals::incrementAndGet, handOverCounted(signals))) {
			// a new session writes its heartbeat, then the try's entry; the removal of the
			// entry is held back, so that it stays in the bucket
			holding.holdSendAfter(2);
			CompletableFuture<EnqueueResult> tried = trying.enqueue(request(this.key, LockMode.EX, false));
			await().atMost(WAIT).until(holding::isHoldingSend);
			assertThat(other.convert(reader, LockMode.PW, false).join().status()).isEqualTo(Status.REJECTED);
			// a request that waits comes after both tries in the stream: once the holder's
			// copy has it, it has them
			QueueEntry writer = waiting(other, this.key, LockMode.EX);
			await().atMost(WAIT).until(() -> queue(holder, held).contains(Queued.waiting(writer.ticket(), LockMode.EX)));
			assertThat(this.bucket.entryCount(this.key)).isEqualTo(4);
			assertThat(queue(holder, held)).containsExactlyInAnyOrder(Queued.granted(held.ticket(), LockMode.PW),
					Queued.granted(reader.ticket(), LockMode.CR), Queued.waiting(writer.ticket(), LockMode.EX));
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> signals.get() == 1);
			holding.releaseHeldSend();
			assertThat(tried.join().state()).isEqualTo(QueueState.REJECTED);
		}
	}

	@Test
	void closedSubscriptionIsNotSignalled() {
		LockSession holder = session();
		LockSession other = session();
		QueueEntry held = granted(holder, this.key, LockMode.PR);
		AtomicInteger closedSignals = new AtomicInteger();
		AtomicInteger openSignals = new AtomicInteger();
		holder.watchQueue(held, closedSignals::incrementAndGet, handOverCounted(closedSignals)).close();
		try (Subscription open = holder.watchQueue(held, openSignals::incrementAndGet, handOverCounted(openSignals))) {
			waiting(other, this.key, LockMode.EX);
			await().atMost(WAIT).until(() -> openSignals.get() > 0);
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> closedSignals.get() == 0);
		}
	}

	@Test
	void everyShardOfAShardedBackendIsReadAndWatched() {
		int shards = 3;
		NatsTestBucket sharded = this.bucket.register(new NatsTestBucket(List.of(this.bucket.url()), 1, shards));
		LockSession holder = sharded.backend().openSession(LEASE);
		LockSession other = sharded.backend().openSession(LEASE);
		for (int shard = 0; shard < shards; shard++) {
			String shardedKey = keyOnShard(shard, shards);
			QueueEntry held = granted(holder, shardedKey, LockMode.EX);
			AtomicInteger signals = new AtomicInteger();
			try (Subscription subscription = holder.watchQueue(held, signals::incrementAndGet, handOverCounted(signals))) {
				QueueEntry waiter = waiting(other, shardedKey, LockMode.CR);
				await().atMost(WAIT).until(() -> signals.get() > 0);
				assertThat(queue(holder, held)).containsExactlyInAnyOrder(Queued.granted(held.ticket(), LockMode.EX),
						Queued.waiting(waiter.ticket(), LockMode.CR));
			}
		}
	}

	/**
	 * Counts a hand-over as the signal it stands for: the backend hands a request or
	 * conversion that starts to wait to the watcher instead of signalling.
	 */
	private static Consumer<Queued> handOverCounted(AtomicInteger signals) {
		return (waiting) -> signals.incrementAndGet();
	}

	private String keyOnShard(int shard, int shards) {
		for (int i = 0;; i++) {
			String candidate = this.key + ":" + i;
			if (KeyDigest.shard(KeyCodec.encode(candidate), shards) == shard) {
				return candidate;
			}
		}
	}

}
