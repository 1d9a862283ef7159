package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.DistributedLockException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.testserver.NatsServer;
import io.nats.client.JetStreamManagement;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The watcher of each backend after nats-server faults, under load from three clients: it
 * catches up with the stream, decisions use the local copy again, and a release wakes a
 * waiter by push, all within a bound after the server answers again.
 */
class NatsWatcherRecoveryIntegrationTests {

	private static final Duration LEASE = Duration.ofSeconds(10);

	/** Longer than the test: a waiter granted within a second was woken by its watcher. */
	private static final Duration RECHECK = Duration.ofMinutes(5);

	/**
	 * From the server answering again until every watcher is current: the clients'
	 * reconnect (200 ms apart here) plus the watcher's recovery bound in
	 * {@code docs/backends/nats.md}.
	 */
	private static final Duration RECOVERY = Duration.ofSeconds(10);

	/**
	 * From a release to the grant of a waiter whose watcher lost its consumer: the check
	 * period, two round trips and the delivery, with room for a loaded machine.
	 */
	private static final Duration CONSUMER_LOST = Duration.ofSeconds(3);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final int CLIENTS = 3;

	private final String key = "nats-watcher:" + UUID.randomUUID();

	@Test
	void watchersRecoverAfterTheServerIsKilledAndRestarted() throws Exception {
		try (NatsServer server = NatsServer.start(); NatsTestBucket bucket = new NatsTestBucket(server.url())) {
			Clients clients = new Clients(bucket);
			long answersAt = clients.underLoad(() -> {
				server.kill();
				clients.awaitFailures(4 * CLIENTS);
				server.restart();
			});
			clients.assertRecovered(answersAt);
		}
	}

	@Test
	void watchersRecoverAfterTheServerIsPausedLongerThanTheHeartbeatAlarm() throws Exception {
		try (NatsServer server = NatsServer.start(); NatsTestBucket bucket = new NatsTestBucket(server.url())) {
			Clients clients = new Clients(bucket);
			long answersAt = clients.underLoad(() -> {
				server.pause();
				// every client's calls time out four times (2 s each): longer than two heartbeat alarms
				clients.awaitFailures(4 * CLIENTS);
				server.resume();
			});
			clients.assertRecovered(answersAt);
		}
	}

	/** A consumer lost for any reason (here deleted; a restarted server loses them too). */
	@Test
	void watcherWhoseConsumerWasDeletedIsReCreatedAndWakesItsWaiter() throws Exception {
		try (NatsTestBucket bucket = new NatsTestBucket(NatsServer.shared().url())) {
			Clients clients = new Clients(bucket);
			String deleted = key + ":deleted";
			LockHandle held = clients.managers.get(0).acquire(deleted, LockMode.EX, WAIT);
			CompletableFuture<LockHandle> waiting = clients.managers.get(1).acquireAsync(deleted, LockMode.EX,
					LockOptions.waitTime(WAIT));
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !waiting.isDone());
			JetStreamManagement management = bucket.connect().jetStreamManagement();
			for (String consumer : management.getConsumerNames("KV_" + bucket.name())) {
				management.deleteConsumer("KV_" + bucket.name(), consumer);
			}
			long releasedAt = System.nanoTime();
			held.release();
			waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).release();
			// the watcher's check (once a second) finds the consumer gone and re-creates it; the
			// client's heartbeat alarm alone took 5.5 s here, the blocker's lease and the
			// re-check interval are longer still
			assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).isLessThan(CONSUMER_LOST);
		}
	}

	/** Three backends on their own connections, as three processes would have. */
	private final class Clients {

		private final List<NatsLockBackend> backends = new ArrayList<>();

		private final List<LockManager> managers = new ArrayList<>();

		private final AtomicInteger grants = new AtomicInteger();

		private final AtomicInteger failures = new AtomicInteger();

		Clients(NatsTestBucket bucket) {
			for (int i = 0; i < CLIENTS; i++) {
				NatsLockBackend backend = bucket.backend();
				this.backends.add(backend);
				this.managers.add(bucket
					.register(LockManagerBuilder.forBackend(backend).leaseTime(LEASE).maxRecheckInterval(RECHECK).build()));
			}
		}

		/**
		 * Runs the fault while every client takes locks, and returns when the server
		 * answered again (the fault's end), as {@link System#nanoTime()}.
		 */
		long underLoad(Runnable fault) throws Exception {
			CountDownLatch stop = new CountDownLatch(1);
			ExecutorService workers = Executors.newFixedThreadPool(CLIENTS);
			long answersAt;
			try {
				List<Future<?>> running = new ArrayList<>();
				for (LockManager manager : this.managers) {
					running.add(workers.submit(() -> work(manager, stop)));
				}
				await().atMost(WAIT).until(() -> this.grants.get() >= 100);
				fault.run();
				answersAt = System.nanoTime();
				stop.countDown();
				for (Future<?> worker : running) {
					worker.get(30, TimeUnit.SECONDS);
				}
			}
			finally {
				stop.countDown();
				workers.shutdownNow();
			}
			return answersAt;
		}

		void awaitFailures(int count) {
			int before = this.failures.get();
			await().atMost(Duration.ofSeconds(30)).until(() -> this.failures.get() >= before + count);
		}

		private Void work(LockManager manager, CountDownLatch stop) throws InterruptedException {
			List<String> keys = List.of(key + ":a", key + ":b", key + ":c");
			ThreadLocalRandom random = ThreadLocalRandom.current();
			while (stop.getCount() > 0) {
				LockMode mode = LockMode.values()[random.nextInt(LockMode.values().length)];
				try (LockHandle handle = manager.acquire(keys.get(random.nextInt(keys.size())), mode,
						Duration.ofSeconds(2))) {
					this.grants.incrementAndGet();
				}
				catch (DistributedLockException ex) {
					// the server is down or frozen: back off as a client would
					this.failures.incrementAndGet();
					stop.await(100, TimeUnit.MILLISECONDS);
				}
				stop.await(2, TimeUnit.MILLISECONDS);
			}
			return null;
		}

		/**
		 * Every watcher delivers a new write within the bound; then decisions come from the
		 * copy (a lagging watcher costs 200 ms to 2 s per decision), and a release hands
		 * the lock to the next client's waiter by push.
		 */
		void assertRecovered(long answersAt) throws Exception {
			Duration left = RECOVERY.minusNanos(System.nanoTime() - answersAt);
			long written = await().atMost(left)
				.ignoreExceptions()
				.until(() -> this.managers.get(0).acquire(key + ":marker", LockMode.EX, WAIT).fencingToken(),
						(token) -> token > 0);
			await("every watcher delivers sequence " + written).atMost(RECOVERY.minusNanos(System.nanoTime() - answersAt))
				.until(() -> this.backends.stream().allMatch((backend) -> backend.watcherPosition() >= written));
			for (int i = 0; i < CLIENTS; i++) {
				LockManager manager = this.managers.get(i);
				long start = System.nanoTime();
				for (int n = 0; n < 20; n++) {
					manager.tryAcquire(key + ":nl", LockMode.NL).orElseThrow().release();
				}
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("20 NL decisions of client %d", i)
					.isLessThan(Duration.ofSeconds(2));
			}
			for (int i = 0; i < CLIENTS; i++) {
				assertHandOff(this.managers.get(i), this.managers.get((i + 1) % CLIENTS));
			}
		}

		private void assertHandOff(LockManager holder, LockManager waiter) throws Exception {
			String handedOver = key + ":hand-off";
			LockHandle held = holder.acquire(handedOver, LockMode.EX, WAIT);
			CompletableFuture<LockHandle> waiting = waiter.acquireAsync(handedOver, LockMode.EX,
					LockOptions.waitTime(WAIT));
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !waiting.isDone());
			long releasedAt = System.nanoTime();
			held.release();
			LockHandle next = waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			// the blocker's lease and the re-check interval are far longer: a push woke it
			assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).isLessThan(Duration.ofMillis(900));
			next.release();
		}

	}

}
