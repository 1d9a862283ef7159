package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import dev.dlock.testserver.RedisCluster;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis backend's queue reads and queue watches for blocking notifications, through
 * its {@link LockSession} against a real server.
 */
class RedisBlockingQueueIntegrationTests {

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
	void backendOffersBlockingNotifications() {
		assertThat(this.backend.capabilities()).contains(BackendCapability.BLOCKING_NOTIFICATIONS);
	}

	@Test
	void queueShowsALaterConflictingWaiterWithItsModeAndTicket() {
		QueueEntry holder = granted(LockMode.PR);
		QueueEntry reader = granted(LockMode.CR);
		QueueEntry writer = waiting(LockMode.EX);
		assertThat(this.session.queue(holder).join()).containsExactly(Queued.granted(holder.ticket(), LockMode.PR),
				Queued.granted(reader.ticket(), LockMode.CR), Queued.waiting(writer.ticket(), LockMode.EX));
	}

	@Test
	void queueShowsAWaitingConversionAsConvertingWithItsTargetAndAStableOrder() {
		QueueEntry converting = granted(LockMode.PR);
		QueueEntry holder = granted(LockMode.PR);
		assertThat(this.session.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		List<Queued> queue = this.session.queue(holder).join();
		assertThat(queue).hasSize(2).contains(Queued.granted(holder.ticket(), LockMode.PR));
		Queued conversion = queue.get(0);
		assertThat(conversion.ticket()).isEqualTo(converting.ticket());
		assertThat(conversion.isConverting()).isTrue();
		assertThat(conversion.granted()).isEqualTo(LockMode.PR);
		assertThat(conversion.requested()).isEqualTo(LockMode.EX);
		assertThat(conversion.conversionOrder()).isPositive();
		QueueEntry reader = waiting(LockMode.CR);
		assertThat(this.session.queue(holder).join()).containsExactly(conversion,
				Queued.granted(holder.ticket(), LockMode.PR), Queued.waiting(reader.ticket(), LockMode.CR));
	}

	@Test
	void queueShowsAGrantedConversionInItsNewMode() {
		QueueEntry converted = granted(LockMode.NL);
		QueueEntry holder = granted(LockMode.CR);
		assertThat(this.session.convert(converted, LockMode.PW, true).join().status()).isEqualTo(Status.GRANTED);
		assertThat(this.session.queue(holder).join()).containsExactly(
				Queued.granted(converted.ticket(), LockMode.PW), Queued.granted(holder.ticket(), LockMode.CR));
	}

	@Test
	void anExpiredWaiterStopsShowingWithoutBeingSwept() {
		QueueEntry holder = granted(LockMode.EX);
		LockSession shortSession = this.backend.openSession(Duration.ofMillis(300));
		QueueEntry expiring = shortSession.enqueue(request(LockMode.PR)).join().entry();
		assertThat(this.session.queue(holder).join()).contains(Queued.waiting(expiring.ticket(), LockMode.PR));
		await().atMost(Duration.ofSeconds(3))
			.until(() -> this.session.queue(holder).join(),
					(queue) -> queue.equals(List.of(Queued.granted(holder.ticket(), LockMode.EX))));
		assertThat(connection.sync().zcard(RedisTestKeys.queue(this.prefix, this.key)))
			.as("the read swept nothing")
			.isEqualTo(2);
	}

	@Test
	void aRemovedWaiterStopsShowing() {
		QueueEntry holder = granted(LockMode.PW);
		QueueEntry removed = waiting(LockMode.PR);
		this.session.remove(removed.request()).join();
		assertThat(this.session.queue(holder).join()).containsExactly(Queued.granted(holder.ticket(), LockMode.PW));
	}

	@Test
	void theQueueOfAGoneEntryIsEmpty() {
		QueueEntry holder = granted(LockMode.EX);
		waiting(LockMode.EX);
		this.session.remove(holder.request()).join();
		assertThat(this.session.queue(holder).join()).isEmpty();
	}

	@Test
	void watchSignalsWhenAConflictingRequestStartsToWait() {
		QueueEntry holder = granted(LockMode.PR);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription watch = watchMarked(holder, signals)) {
			int before = signals.get();
			waiting(LockMode.EX);
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > before);
		}
	}

	@Test
	void watchSignalsWhenAConversionStartsToWait() {
		QueueEntry holder = granted(LockMode.PR);
		QueueEntry converting = granted(LockMode.PR);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription watch = watchMarked(holder, signals)) {
			int before = signals.get();
			assertThat(this.session.convert(converting, LockMode.PW, true).join().status())
				.isEqualTo(Status.WAITING);
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > before);
		}
	}

	@Test
	void watchStopsSignallingAfterCloseAndItsMarkGoes() {
		QueueEntry holder = granted(LockMode.PR);
		QueueEntry other = granted(LockMode.PR);
		AtomicInteger closedSignals = new AtomicInteger();
		AtomicInteger openSignals = new AtomicInteger();
		Subscription closing = watchMarked(holder, closedSignals);
		try (Subscription open = watchMarked(other, openSignals)) {
			closing.close();
			String watchers = RedisResource.of(this.prefix, this.key).keys()[3];
			await().atMost(Duration.ofSeconds(2))
				.until(() -> connection.sync().smembers(watchers),
						(members) -> members.equals(Set.of(Long.toString(other.ticket()))));
			int closedBefore = closedSignals.get();
			int openBefore = openSignals.get();
			waiting(LockMode.EX);
			// the open watch gets the same message; once it has, the closed one would have too
			await().atMost(Duration.ofSeconds(2)).until(() -> openSignals.get() > openBefore);
			assertThat(closedSignals).hasValue(closedBefore);
		}
		assertThat(connection.sync().exists(RedisResource.of(this.prefix, this.key).keys()[3])).isZero();
	}

	@Test
	void aHolderOfAnotherBackendInstanceIsSignalled() {
		RedisClient otherClient = RedisClient.create(RedisServer.shared().uri());
		try (RedisLockBackend other = RedisLockBackend.builder(otherClient).keyPrefix(this.prefix).build()) {
			LockSession otherSession = other.openSession(LEASE);
			QueueEntry holder = otherSession.enqueue(request(LockMode.CW)).join().entry();
			AtomicInteger signals = new AtomicInteger();
			try (Subscription watch = watchCounting(otherSession, holder, signals)) {
				await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
				int before = signals.get();
				QueueEntry writer = waiting(LockMode.PW);
				await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > before);
				assertThat(otherSession.queue(holder).join()).contains(Queued.waiting(writer.ticket(), LockMode.PW));
			}
		}
		finally {
			otherClient.shutdown();
		}
	}

	@Test
	void renewalKeepsTheMarkBeyondTheLease() {
		LockSession shortSession = this.backend.openSession(Duration.ofMillis(600));
		QueueEntry holder = shortSession.enqueue(request(LockMode.EX)).join().entry();
		AtomicInteger signals = new AtomicInteger();
		try (Subscription watch = watchCounting(shortSession, holder, signals)) {
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
			for (int i = 0; i < 4; i++) {
				assertThat(shortSession.renew(List.of(holder)).join()).isEmpty();
				await().pollDelay(Duration.ofMillis(300)).until(() -> true);
			}
			int before = signals.get();
			waiting(LockMode.CR);
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > before);
		}
	}

	@Test
	void aMarkThatIsNotRenewedEndsWithTheLease() {
		LockSession shortSession = this.backend.openSession(Duration.ofMillis(400));
		QueueEntry holder = shortSession.enqueue(request(LockMode.EX)).join().entry();
		AtomicInteger signals = new AtomicInteger();
		String watchers = RedisResource.of(this.prefix, this.key).keys()[3];
		try (Subscription watch = watchCounting(shortSession, holder, signals)) {
			await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
			assertThat(connection.sync().pttl(watchers)).isBetween(1L, 400L);
			await().atMost(Duration.ofSeconds(2)).until(() -> connection.sync().exists(watchers) == 0);
		}
	}

	@Test
	void waitersOnALockNobodyWatchesPublishNothing() throws Exception {
		List<String> messages = new CopyOnWriteArrayList<>();
		StatefulRedisPubSubConnection<String, String> listener = client.connectPubSub();
		try {
			listener.addListener(new RedisPubSubAdapter<>() {
				@Override
				public void message(String channel, String message) {
					messages.add(message);
				}
			});
			listener.sync().subscribe(this.prefix + "changes");
			QueueEntry holder = granted(LockMode.PR);
			QueueEntry converting = granted(LockMode.CR);
			waiting(LockMode.EX);
			assertThat(this.session.convert(converting, LockMode.PW, true).join().status())
				.isEqualTo(Status.WAITING);
			// a release with waiters publishes; messages arrive in order, so the waiters' would have come first
			this.session.remove(holder.request()).join();
			await().atMost(Duration.ofSeconds(2)).until(() -> !messages.isEmpty());
			assertThat(messages).noneMatch((message) -> message.contains("?"));
			QueueEntry watched = granted(LockMode.NL);
			try (Subscription watch = watchMarked(watched, new AtomicInteger())) {
				QueueEntry announced = waiting(LockMode.EX);
				await().atMost(Duration.ofSeconds(2))
					.until(() -> messages.contains(this.backendResourceId() + " ?" + announced.ticket() + " EX"));
			}
		}
		finally {
			listener.close();
		}
	}

	/**
	 * On a Cluster the mark, the queue and the waiter's check share a slot, and the message
	 * reaches a holder whose pub/sub connection may sit on another node: locks on all three
	 * masters.
	 */
	@Test
	void aHolderOnAClusterIsSignalledForLocksOnEveryNode() {
		try (RedisCluster cluster = RedisCluster.start(3)) {
			RedisClusterClient clusterClient = RedisClusterClient
				.create(cluster.uris().stream().map(RedisURI::create).toList());
			try (RedisLockBackend holders = RedisLockBackend.builder(clusterClient).keyPrefix(this.prefix).build();
					RedisLockBackend waiters = RedisLockBackend.builder(clusterClient).keyPrefix(this.prefix).build()) {
				LockSession holderSession = holders.openSession(LEASE);
				LockSession waiterSession = waiters.openSession(LEASE);
				Set<RedisServer> nodes = new HashSet<>();
				for (int i = 0; nodes.size() < 3; i++) {
					String lockKey = this.key + ":" + i;
					if (!nodes.add(cluster.nodeForKey(RedisTestKeys.queue(this.prefix, lockKey)))) {
						continue;
					}
					QueueEntry holder = holderSession
						.enqueue(new AcquireRequest(lockKey, LockMode.PW, UUID.randomUUID().toString(), true))
						.join()
						.entry();
					AtomicInteger signals = new AtomicInteger();
					try (Subscription watch = watchCounting(holderSession, holder, signals)) {
						await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
						int before = signals.get();
						EnqueueResult writer = waiterSession
							.enqueue(new AcquireRequest(lockKey, LockMode.EX, UUID.randomUUID().toString(), true))
							.join();
						assertThat(writer.state().status()).isEqualTo(Status.WAITING);
						await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > before);
						assertThat(holderSession.queue(holder).join()).containsExactly(
								Queued.granted(holder.ticket(), LockMode.PW),
								Queued.waiting(writer.entry().ticket(), LockMode.EX));
					}
				}
			}
			finally {
				clusterClient.shutdown();
			}
		}
	}

	/** Watches a holder's queue and waits for the signal that its mark is in place. */
	private Subscription watchMarked(QueueEntry holder, AtomicInteger signals) {
		Subscription watch = this.watchCounting(session, holder, signals);
		await().atMost(Duration.ofSeconds(2)).until(() -> signals.get() > 0);
		return watch;
	}

	private String backendResourceId() {
		return RedisResource.of(this.prefix, this.key).id();
	}

	private QueueEntry granted(LockMode mode) {
		EnqueueResult result = this.session.enqueue(request(mode)).join();
		assertThat(result.state().status()).as("%s granted", mode).isEqualTo(Status.GRANTED);
		return result.entry();
	}

	private QueueEntry waiting(LockMode mode) {
		EnqueueResult result = this.session.enqueue(request(mode)).join();
		assertThat(result.state().status()).as("%s waiting", mode).isEqualTo(Status.WAITING);
		return result.entry();
	}

	private AcquireRequest request(LockMode mode) {
		return new AcquireRequest(this.key, mode, UUID.randomUUID().toString(), true);
	}

	/** Watches a queue counting each signal and each hand-over (which stands for a signal). */
	private static Subscription watchCounting(LockSession session, QueueEntry holder, AtomicInteger signals) {
		return session.watchQueue(holder, signals::incrementAndGet, (waiting) -> signals.incrementAndGet());
	}

}
