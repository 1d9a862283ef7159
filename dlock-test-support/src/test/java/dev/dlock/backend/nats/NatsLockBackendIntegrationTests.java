package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.DistributedLockException;
import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.tck.History;
import dev.dlock.testserver.NatsCluster;
import dev.dlock.testserver.NatsServer;
import io.nats.client.Connection;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StorageType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What is particular to the NATS backend: the bucket, the entries, the shared watcher,
 * silent expiry on nats-server 2.9, and server failures.
 */
class NatsLockBackendIntegrationTests {

	private static final Duration LEASE = Duration.ofSeconds(2);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final NatsTestBucket bucket = new NatsTestBucket(NatsServer.shared().url());

	private final String key = "nats-test:" + UUID.randomUUID();

	@AfterEach
	void closeBucket() throws Exception {
		this.bucket.close();
	}

	private LockManager manager(NatsLockBackend backend) {
		return this.bucket.register(LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build());
	}

	private LockManager manager() {
		return manager(this.bucket.backend());
	}

	/** A backend whose entries live twice the lease: a session rewrites each one a lease after its last write. */
	private NatsLockBackend shortLivedEntries() {
		return this.bucket.register(NatsLockBackend.builder(this.bucket.backendConnection())
			.bucket(this.bucket.name())
			.entryMaxAge(LEASE.multipliedBy(2))
			.build());
	}

	private long lastSequence(String bucketName) throws Exception {
		return this.bucket.connect().jetStreamManagement().getStreamInfo("KV_" + bucketName).getStreamState()
			.getLastSequence();
	}

	private static AcquireRequest request(String key, LockMode mode, boolean waitIfBusy) {
		return new AcquireRequest(key, mode, UUID.randomUUID().toString().replace("-", ""), waitIfBusy);
	}

	@Test
	void tokensKeepIncreasingAcrossARestartOfTheWholeServerWithItsData() throws Exception {
		try (NatsServer server = NatsServer.start(); NatsTestBucket owned = new NatsTestBucket(server.url())) {
			LockManager manager = owned.register(LockManagerBuilder.forBackend(owned.backend()).leaseTime(LEASE).build());
			long highestBefore = 0;
			for (int i = 0; i < 3; i++) {
				try (LockHandle handle = manager.acquire(this.key, LockMode.EX, WAIT)) {
					highestBefore = Math.max(highestBefore, handle.fencingToken());
				}
			}
			// a single node with file storage: it comes back with the bucket and its stream sequence
			server.restart();
			long afterRestart = await().atMost(Duration.ofSeconds(30))
				.ignoreExceptionsInstanceOf(LockBackendException.class)
				.until(() -> tokenOfOneGrant(manager), (token) -> token > 0);
			// and for a client started after the restart, as another process would be
			LockManager newClient = owned
				.register(LockManagerBuilder.forBackend(owned.backend()).leaseTime(LEASE).build());
			long newClientToken = tokenOfOneGrant(newClient);
			assertThat(afterRestart).isGreaterThan(highestBefore);
			assertThat(newClientToken).isGreaterThan(afterRestart);
		}
	}

	private long tokenOfOneGrant(LockManager manager) throws InterruptedException {
		try (LockHandle handle = manager.acquire(this.key, LockMode.EX, WAIT)) {
			return handle.fencingToken();
		}
	}

	@Nested
	class Locking {

		@Test
		void exclusiveLockIsHandedOverOnReleaseWithoutWaitingForARecheck() throws Exception {
			LockManager first = manager();
			LockManager second = manager();
			LockHandle held = first.acquire(key, LockMode.EX, WAIT);
			CompletableFuture<LockHandle> waiting = second.acquireAsync(key, LockMode.EX,
					dev.dlock.LockOptions.waitTime(WAIT));
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
			long releasedAt = System.nanoTime();
			held.release();
			LockHandle next = waiting.get(5, TimeUnit.SECONDS);
			// the engine re-checks at most once a second by itself: a push woke this one
			assertThat(Duration.ofNanos(System.nanoTime() - releasedAt)).isLessThan(Duration.ofMillis(900));
			assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
			next.release();
		}

		@Test
		void tryAcquireWhenIncompatibleModeHeldReturnsEmptyAndLeavesNoEntry() throws Exception {
			LockHandle held = manager().acquire(key, LockMode.PW, WAIT);
			Optional<LockHandle> attempt = manager().tryAcquire(key, LockMode.PR);
			assertThat(attempt).isEmpty();
			assertThat(bucket.entryCount(key)).isEqualTo(1);
			held.release();
		}

		@Test
		void compatibleModesAreGrantedTogether() throws Exception {
			LockHandle reader = manager().acquire(key, LockMode.PR, WAIT);
			LockHandle concurrentReader = manager().acquire(key, LockMode.CR, WAIT);
			LockHandle secondReader = manager().tryAcquire(key, LockMode.PR).orElseThrow();
			assertThat(List.of(reader, concurrentReader, secondReader)).allMatch(LockHandle::isValid);
			assertThat(bucket.entryCount(key)).isEqualTo(3);
		}

		@Test
		void laterReadersQueueBehindAWaitingWriter() throws Exception {
			LockHandle reader = manager().acquire(key, LockMode.PR, WAIT);
			CompletableFuture<LockHandle> writer = manager().acquireAsync(key, LockMode.EX,
					dev.dlock.LockOptions.waitTime(WAIT));
			await().atMost(WAIT).until(() -> bucket.entryCount(key) == 2);
			assertThat(manager().tryAcquire(key, LockMode.PR)).isEmpty();
			reader.release();
			LockHandle granted = writer.get(5, TimeUnit.SECONDS);
			assertThat(granted.fencingToken()).isGreaterThan(reader.fencingToken());
		}

		@Test
		void fencingTokenIsTheCreateRevisionAndIsKeptInTheValueAcrossItsRewrites() throws Exception {
			// a session rewrites an entry once half the entries' max age passed since its last write
			LockHandle held = manager(shortLivedEntries()).acquire(key, LockMode.EX, WAIT);
			KeyValueEntry created = bucket.onlyEntry(key);
			assertThat(created).isNotNull();
			assertThat(created.getRevision()).isEqualTo(held.fencingToken());
			await().atMost(WAIT).until(() -> {
				KeyValueEntry current = bucket.onlyEntry(key);
				return current != null && current.getRevision() > held.fencingToken();
			});
			KeyValueEntry renewed = bucket.onlyEntry(key);
			assertThat(new String(renewed.getValue(), StandardCharsets.UTF_8))
				.matches("v3 EX " + held.fencingToken() + " - - 0 " + held.fencingToken() + " - [A-Za-z0-9_-]{22} "
						+ java.util.regex.Pattern.quote(key));
			assertThat(held.isValid()).isTrue();
			assertThat(held.fencingToken()).isEqualTo(created.getRevision());
		}

		@Test
		void renewalRewritesOneHeartbeatPerSessionAndNoEntryWhileTheirRewriteIsNotDue() throws Exception {
			LockManager manager = manager();
			List<LockHandle> held = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				held.add(manager.acquire(key + ":" + i, LockMode.EX, WAIT));
			}
			long entriesBefore = lastSequence(bucket.name());
			long heartbeatsBefore = lastSequence(bucket.liveName());
			// three leases: nine renewal rounds
			await().atMost(WAIT).until(() -> lastSequence(bucket.liveName()) >= heartbeatsBefore + 9);
			assertThat(held).allMatch(LockHandle::isValid);
			assertThat(lastSequence(bucket.name())).isEqualTo(entriesBefore);
			// another process finds them all held
			LockManager other = manager();
			for (int i = 0; i < 20; i++) {
				assertThat(other.tryAcquire(key + ":" + i, LockMode.CR)).isEmpty();
			}
		}

		@Test
		void refusedTriesAfterManyWritesAreDecidedWithoutWaitingForAStalledWatcher() throws Exception {
			LockManager writer = manager();
			LockManager prober = manager();
			// the prober's watcher reads along while entries are created and deleted quickly
			prober.tryAcquire(key + ":start", LockMode.EX).orElseThrow().release();
			for (int i = 0; i < 1000; i++) {
				writer.acquire(key + ":" + i, LockMode.EX, WAIT).release();
			}
			LockHandle held = writer.acquire(key, LockMode.EX, WAIT);
			long start = System.nanoTime();
			for (int i = 0; i < 100; i++) {
				assertThat(prober.tryAcquire(key, LockMode.PR)).isEmpty();
			}
			// a decision that waits for a stalled watcher takes 200 ms before it asks the
			// stream leader: 100 of them would take 20 s (nats-server 2.9 can over-count a
			// consumer's pending messages for good, so that no message ever says 0)
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			held.release();
		}

		@Test
		void keysWithSubjectSpecialCharactersAreDistinctLocks() throws Exception {
			LockManager manager = manager();
			List<String> keys = List.of(key + ".a", key, key + ".*", key + ".>", key + " a", key + "/a");
			for (String each : keys) {
				assertThat(manager.tryAcquire(each, LockMode.EX)).as(each).isPresent();
			}
			for (String each : keys) {
				assertThat(bucket.entryCount(each)).as(each).isEqualTo(1);
			}
		}

	}

	@Nested
	class Bucket {

		@Test
		void bucketsAreCreatedWithHistoryOneAndTheEntriesMaxAgeAndTheHeartbeatsLeasePlusAThird() throws Exception {
			manager().tryAcquire(key, LockMode.EX).orElseThrow();
			KeyValueStatus status = bucket.status();
			assertThat(status.getMaxHistoryPerKey()).isEqualTo(1);
			assertThat(status.getTtl()).isEqualTo(Duration.ofDays(1));
			assertThat(status.getStorageType()).isEqualTo(StorageType.File);
			assertThat(status.getReplicas()).isEqualTo(1);
			KeyValueStatus live = bucket.connect().keyValueManagement().getStatus(bucket.liveName());
			assertThat(live.getMaxHistoryPerKey()).isEqualTo(1);
			assertThat(live.getTtl()).isEqualTo(LEASE.plus(LEASE.dividedBy(3)));
			assertThat(live.getStorageType()).isEqualTo(StorageType.File);
		}

		@Test
		void anotherLeaseTimeOnTheSameBackendFailsWithAClearMessage() {
			NatsLockBackend backend = bucket.backend();
			backend.openSession(LEASE);
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> backend.openSession(Duration.ofSeconds(5)))
				.withMessageContaining("lease time of PT2S")
				.withMessageContaining("PT5S");
		}

		@Test
		void theBuildersLeaseTimeIsTheBucketsAndAnotherIsRefusedEvenWhenItComesFirst() throws Exception {
			NatsLockBackend backend = bucket.register(NatsLockBackend.builder(bucket.backendConnection())
				.bucket(bucket.name())
				.leaseTime(LEASE)
				.build());
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> backend.openSession(Duration.ofSeconds(5)))
				.withMessageContaining("serves a lease time of PT2S")
				.withMessageContaining("but a lease time of PT5S was asked for");
			assertThat(bucket.connect().keyValueManagement().getStatus(bucket.liveName()).getTtl())
				.isEqualTo(LEASE.plus(LEASE.dividedBy(3)));
			backend.openSession(LEASE);
		}

		@Test
		void existingBucketWithAnotherMaxAgeFailsWithAClearMessage() throws Exception {
			bucket.connect()
				.keyValueManagement()
				.create(KeyValueConfiguration.builder()
					.name(bucket.name())
					.ttl(Duration.ofSeconds(7))
					.storageType(StorageType.Memory)
					.build());
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> bucket.backend().openSession(LEASE))
				.withMessageContaining("has a max age of PT7S")
				.withMessageContaining("lease time of PT2S");
		}

		@Test
		void entriesThatWouldAgeOutBeforeARoundsLeaseEndsAreRefused() {
			NatsLockBackend backend = bucket.register(NatsLockBackend.builder(bucket.backendConnection())
				.bucket(bucket.name())
				.entryMaxAge(LEASE.multipliedBy(2).minusMillis(1))
				.build());
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> backend.openSession(LEASE))
				.withMessageContaining("'entryMaxAge' must be at least twice the lease time PT2S");
		}

		@Test
		void bucketOfTheVersionThatRenewedEveryEntryIsRefusedWithWhatToDo() throws Exception {
			// its max age is the lease time: its processes would let this version's entries
			// expire after a lease, so the two schemes must not share it
			bucket.connect()
				.keyValueManagement()
				.create(KeyValueConfiguration.builder()
					.name(bucket.name())
					.ttl(LEASE)
					.storageType(StorageType.Memory)
					.build());
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> bucket.backend().openSession(LEASE))
				.withMessageContaining("renews every lock entry on its own")
				.withMessageContaining("nats kv del " + bucket.name());
		}

		@Test
		void connectionGivenByTheApplicationIsNotClosed() {
			Connection connection = bucket.connect();
			NatsLockBackend backend = NatsLockBackend.builder(connection).bucket(bucket.name()).build();
			backend.openSession(LEASE);
			backend.close();
			assertThat(connection.getStatus()).isEqualTo(Connection.Status.CONNECTED);
		}

		@Test
		void healthIsUpWithTheServerVersionBeforeAndAfterTheBucketIsOpen() {
			NatsLockBackend backend = bucket.backend();
			BackendHealth before = backend.health().join();
			backend.openSession(LEASE);
			BackendHealth after = backend.health().join();
			assertThat(List.of(before, after)).allSatisfy((health) -> {
				assertThat(health.up()).isTrue();
				assertThat(health.details()).containsKey("serverVersion").containsEntry("bucket", bucket.name());
			});
			assertThat(after.details()).containsEntry("leaseTime", "PT2S");
		}

		@Test
		void healthIsDownOnceTheConnectionIsClosed() throws Exception {
			Connection connection = bucket.connect();
			NatsLockBackend backend = bucket
				.register(NatsLockBackend.builder(connection).bucket(bucket.name()).build());
			connection.close();
			BackendHealth health = backend.health().join();
			assertThat(health.up()).isFalse();
			assertThat(health.reason()).isNotBlank();
		}

	}

	@Nested
	class Spi {

		@Test
		void waitingEntryRechecksWhenTheBlockersSessionHeartbeatRunsOut() {
			LockSession holder = bucket.backend().openSession(LEASE);
			LockSession waiter = bucket.backend().openSession(LEASE);
			EnqueueResult held = holder.enqueue(request(key, LockMode.EX, false)).join();
			assertThat(held.state()).isEqualTo(QueueState.GRANTED);
			EnqueueResult waiting = waiter.enqueue(request(key, LockMode.CW, true)).join();
			assertThat(waiting.state().status()).isEqualTo(QueueState.Status.WAITING);
			Duration heartbeatMaxAge = LEASE.plus(LEASE.dividedBy(3));
			assertThat(waiting.state().recheckAfter()).isGreaterThan(heartbeatMaxAge.minusMillis(500))
				.isLessThanOrEqualTo(heartbeatMaxAge.plusMillis(100));
		}

		@Test
		void waiterIsGrantedAfterTheSilentExpiryOfAHolderThatStoppedRenewing() {
			LockSession holder = bucket.backend().openSession(LEASE);
			LockSession waiter = bucket.backend().openSession(LEASE);
			holder.enqueue(request(key, LockMode.EX, false)).join();
			QueueEntry entry = waiter.enqueue(request(key, LockMode.EX, true)).join().entry();
			long start = System.nanoTime();
			await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
				waiter.renew(List.of(entry)).join();
				return waiter.poll(entry).join().status() == QueueState.Status.GRANTED;
			});
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(LEASE.minusMillis(300));
		}

		@Test
		void renewalOfARemovedEntryReportsItLostWhenItsRewriteIsDue() {
			// entries are rewritten once half their max age has passed since this backend's last write
			LockSession session = shortLivedEntries().openSession(LEASE);
			AcquireRequest request = request(key, LockMode.PW, false);
			QueueEntry entry = session.enqueue(request).join().entry();
			QueueEntry other = session.enqueue(request(key, LockMode.CR, false)).join().entry();
			session.remove(request).join();
			await().atMost(WAIT).until(() -> !session.renew(List.of(entry, other)).join().isEmpty());
			assertThat(session.renew(List.of(entry, other)).join()).containsExactly(entry);
			assertThat(session.renew(List.of(other)).join()).isEmpty();
		}

		@Test
		void removeIsIdempotentAndOnlyRemovesTheOwnersEntry() throws Exception {
			LockSession session = bucket.backend().openSession(LEASE);
			AcquireRequest request = request(key, LockMode.EX, false);
			session.enqueue(request).join();
			session.remove(request(key, LockMode.EX, false)).join();
			assertThat(bucket.entryCount(key)).isEqualTo(1);
			session.remove(request).join();
			session.remove(request).join();
			assertThat(bucket.entryCount(key)).isZero();
		}

		@Test
		void tryThatWouldWaitIsRejectedAndRecordsNothing() throws Exception {
			LockSession session = bucket.backend().openSession(LEASE);
			session.enqueue(request(key, LockMode.CW, false)).join();
			EnqueueResult rejected = session.enqueue(request(key, LockMode.PR, false)).join();
			assertThat(rejected.state()).isEqualTo(QueueState.REJECTED);
			assertThat(bucket.entryCount(key)).isEqualTo(1);
		}

		@Test
		void watchSignalsAtOnceWhenTheQueueChangedSinceTheLastDecision() {
			LockSession holder = bucket.backend().openSession(LEASE);
			LockSession waiters = bucket.backend().openSession(LEASE);
			AcquireRequest held = request(key, LockMode.EX, false);
			holder.enqueue(held).join();
			QueueEntry watched = waiters.enqueue(request(key, LockMode.EX, true)).join().entry();
			QueueEntry late = waiters.enqueue(request(key, LockMode.EX, true)).join().entry();
			AtomicInteger watchedSignals = new AtomicInteger();
			AtomicInteger lateSignals = new AtomicInteger();
			try (Subscription subscription = waiters.watch(watched, watchedSignals::incrementAndGet)) {
				holder.remove(held).join();
				await().atMost(WAIT).until(() -> watchedSignals.get() > 0);
				// registered after the change, which the last decision about it did not see
				try (Subscription lateSubscription = waiters.watch(late, lateSignals::incrementAndGet)) {
					await().atMost(WAIT).until(() -> lateSignals.get() > 0);
				}
			}
			assertThat(waiters.poll(watched).join()).isEqualTo(QueueState.GRANTED);
		}

		@Test
		void entryOfAnotherBackendIsRejected() {
			LockSession session = bucket.backend().openSession(LEASE);
			AcquireRequest request = request(key, LockMode.EX, true);
			QueueEntry foreign = new QueueEntry() {

				@Override
				public AcquireRequest request() {
					return request;
				}

				@Override
				public long ticket() {
					return 1;
				}

			};
			assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> session.poll(foreign));
		}

		@Test
		void renewalRoundOfManyEntriesCompletesInOneBatch() {
			LockSession session = bucket.backend().openSession(LEASE);
			List<QueueEntry> entries = new java.util.ArrayList<>();
			for (int i = 0; i < 50; i++) {
				entries.add(session.enqueue(request(key + i, LockMode.EX, false)).join().entry());
			}
			Set<QueueEntry> lost = session.renew(entries).join();
			assertThat(lost).isEmpty();
			assertThat(session.renew(entries).join()).isEmpty();
		}

	}

	@Nested
	class Heartbeats {

		@Test
		void heartbeatUpdateThatReachesTheServerAfterAWaiterFoundTheHeartbeatGoneFailsAndLosesEveryEntry()
				throws Exception {
			HoldingConnection holding = new HoldingConnection(bucket.backendConnection());
			// a request timeout longer than the heartbeat's max age: the update is still awaited when it arrives
			LockSession holder = bucket
				.register(NatsLockBackend.builder(holding.connection())
					.bucket(bucket.name())
					.requestTimeout(Duration.ofSeconds(10))
					.build())
				.openSession(LEASE);
			QueueEntry held = holder.enqueue(request(key, LockMode.EX, false)).join().entry();
			QueueEntry other = holder.enqueue(request(key + ":other", LockMode.EX, false)).join().entry();
			String session = sessionOf(key);
			// the round's one write, the heartbeat's update, stays on its way to the server
			holding.holdSendAfter(0);
			CompletableFuture<Set<QueueEntry>> renewal = holder.renew(List.of(held, other));
			await().atMost(WAIT).until(holding::isHoldingSend);
			// meanwhile the heartbeat runs out; a waiter finds it gone, deletes the entry and is granted
			LockSession waiter = bucket.backend().openSession(LEASE);
			QueueEntry waiting = waiter.enqueue(request(key, LockMode.EX, true)).join().entry();
			await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
				waiter.renew(List.of(waiting)).join();
				return waiter.poll(waiting).join().status() == QueueState.Status.GRANTED;
			});
			assertThat(heartbeats()).doesNotContain(session);
			// the update arrives: it expects a revision the heartbeat no longer has
			holding.releaseHeldSend();
			assertThat(renewal.join()).containsExactlyInAnyOrder(held, other);
			// and the heartbeat is never written again: the next entry lives under a new one
			holder.enqueue(request(key + ":next", LockMode.EX, false)).join();
			String next = sessionOf(key + ":next");
			assertThat(next).isNotEqualTo(session);
			assertThat(heartbeats()).contains(next).doesNotContain(session);
			assertThat(holder.renew(List.of(held, other)).join()).containsExactlyInAnyOrder(held, other);
		}

		@Test
		void heartbeatUpdateAppliedWhoseReplyIsLostKeepsWaitersOutUntilItRunsOut() throws Exception {
			HoldingConnection holding = new HoldingConnection(bucket.backendConnection());
			LockSession holder = bucket
				.register(NatsLockBackend.builder(holding.connection()).bucket(bucket.name()).build())
				.openSession(LEASE);
			QueueEntry held = holder.enqueue(request(key, LockMode.EX, false)).join().entry();
			holding.holdReplyAfter(0);
			CompletableFuture<Set<QueueEntry>> renewal = holder.renew(List.of(held));
			await().atMost(WAIT).until(holding::isHolding);
			long appliedBy = System.nanoTime();
			LockSession waiter = bucket.backend().openSession(LEASE);
			QueueEntry waiting = waiter.enqueue(request(key, LockMode.EX, true)).join().entry();
			assertThat(waiter.poll(waiting).join().status()).isEqualTo(QueueState.Status.WAITING);
			await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
				waiter.renew(List.of(waiting)).join();
				return waiter.poll(waiting).join().status() == QueueState.Status.GRANTED;
			});
			// the server kept the heartbeat a max age after the update it applied
			assertThat(Duration.ofNanos(System.nanoTime() - appliedBy)).isGreaterThan(LEASE);
			holding.failHeldReply(new IllegalStateException("Connection is Closed"));
			assertThat(renewal).failsWithin(WAIT);
		}

		@Test
		void closingASessionDeletesItsHeartbeatSoThatItsLeftoverEntriesStopBlockingAtTheNextCheck()
				throws Exception {
			LockSession holder = bucket.backend().openSession(LEASE);
			holder.enqueue(request(key, LockMode.EX, false)).join();
			String session = sessionOf(key);
			LockSession waiter = bucket.backend().openSession(LEASE);
			QueueEntry waiting = waiter.enqueue(request(key, LockMode.EX, true)).join().entry();
			holder.close();
			await().atMost(Duration.ofSeconds(1)).until(() -> !heartbeats().contains(session));
			// the waiter's watcher saw the delete: its next decision asks the leader and deletes the entry
			await().atMost(WAIT).until(() -> waiter.poll(waiting).join().status() == QueueState.Status.GRANTED);
			assertThat(bucket.entryCount(key)).isEqualTo(1);
		}

		@Test
		void entryThatTheEngineGaveUpIsDeletedByItsSessionAndStopsBlocking() throws Exception {
			NatsLockBackend backend = bucket.backend();
			LockSession session = backend.openSession(LEASE);
			session.enqueue(request(key, LockMode.EX, false)).join();
			QueueEntry kept = session.enqueue(request(key + ":kept", LockMode.EX, false)).join().entry();
			// rounds without it: the engine counted it lost; once surely past its validity it goes
			await().atMost(WAIT).until(() -> {
				session.renew(List.of(kept)).join();
				return bucket.entryCount(key) == 0;
			});
			assertThat(bucket.entryCount(key + ":kept")).isEqualTo(1);
			assertThat(session.renew(List.of(kept)).join()).isEmpty();
		}

		@Test
		void waitersBlockedByTheEntriesOfADeadSessionAskTheLeaderAboutItOnce() throws Exception {
			LockSession crashed = bucket.backend().openSession(LEASE);
			for (int i = 0; i < 3; i++) {
				crashed.enqueue(request(key + ":" + i, LockMode.EX, false)).join();
			}
			String session = sessionOf(key + ":0");
			// it renews no more, as a crashed process: its heartbeat runs out; then three waiters
			// of one process queue behind its entries
			await().atMost(WAIT).until(() -> !heartbeats().contains(session));
			HoldingConnection recording = new HoldingConnection(bucket.backendConnection());
			LockSession waiters = bucket
				.register(NatsLockBackend.builder(recording.connection()).bucket(bucket.name()).build())
				.openSession(LEASE);
			List<QueueEntry> waiting = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				waiting.add(waiters.enqueue(request(key + ":" + i, LockMode.EX, true)).join().entry());
			}
			await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
				waiters.renew(waiting).join();
				for (QueueEntry entry : waiting) {
					if (waiters.poll(entry).join().status() != QueueState.Status.GRANTED) {
						return false;
					}
				}
				return true;
			});
			assertThat(recording.requestSubjects())
				.filteredOn((subject) -> subject.equals("$JS.API.STREAM.MSG.GET.KV_" + bucket.liveName()))
				.hasSize(1);
		}

		private String sessionOf(String lockKey) throws Exception {
			KeyValueEntry entry = bucket.onlyEntry(lockKey);
			assertThat(entry).isNotNull();
			return new String(entry.getValue(), StandardCharsets.UTF_8).split(" ")[8];
		}

		private List<String> heartbeats() throws Exception {
			return bucket.connect().keyValue(bucket.liveName()).keys();
		}

	}

	@Nested
	class Failures {

		@Test
		void crashedHolderIsReplacedWithinLeasePlusRenewalPeriodPlusTwoSeconds() throws Exception {
			Connection holderConnection = bucket.connect();
			NatsLockBackend holderBackend = bucket
				.register(NatsLockBackend.builder(holderConnection).bucket(bucket.name()).build());
			LockHandle held = manager(holderBackend).acquire(key, LockMode.EX, WAIT);
			LockManager other = manager();
			CompletableFuture<LockHandle> waiting = other.acquireAsync(key, LockMode.EX,
					dev.dlock.LockOptions.waitTime(WAIT));
			await().atMost(WAIT).until(() -> bucket.entryCount(key) == 2);
			// the holder's process dies: no release, no renewal, and the server sends no expiry event
			holderConnection.close();
			long crashedAt = System.nanoTime();
			LockHandle next = waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			Duration took = Duration.ofNanos(System.nanoTime() - crashedAt);
			assertThat(took).isLessThan(LEASE.plus(LEASE.dividedBy(3)).plusSeconds(2));
			assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
		}

		@Test
		void pausedServerInvalidatesHoldersWithinOneLeaseOfTheirLastRenewalAndLocksWorkAfterResume()
				throws Exception {
			try (NatsServer server = NatsServer.start(); NatsTestBucket own = new NatsTestBucket(server.url())) {
				CuttableBackend backend = new CuttableBackend(own.backend());
				LockManager manager = own.register(LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build());
				LockHandle held = manager.acquire(key, LockMode.EX, WAIT);
				CompletableFuture<LockLostException> told = new CompletableFuture<>();
				held.onLost(told::complete);
				await().atMost(WAIT).until(() -> lastRenewalSent(backend, held.fencingToken()) != 0);
				server.pause();
				long pausedAt = System.nanoTime();
				await().atMost(LEASE.plusSeconds(2)).pollInterval(Duration.ofMillis(5)).until(() -> !held.isValid());
				long invalidAt = System.nanoTime();
				assertThat(Duration.ofNanos(invalidAt - lastRenewalSent(backend, held.fencingToken())))
					.isLessThanOrEqualTo(LEASE.plusMillis(100));
				assertThat(told.get(2, TimeUnit.SECONDS)).isInstanceOf(LockLostException.class);
				// paused longer than the lease
				await().atMost(WAIT).until(() -> System.nanoTime() - pausedAt > LEASE.toNanos());
				server.resume();
				LockHandle other = manager.acquire(key + ":other", LockMode.EX, WAIT);
				LockHandle again = manager.acquire(key, LockMode.EX, WAIT);
				assertThat(again.fencingToken()).isGreaterThan(held.fencingToken());
				await().during(LEASE).atMost(LEASE.multipliedBy(2)).until(() -> again.isValid() && other.isValid());
			}
		}

		@Test
		void grantsStaySafeOnAThreeNodeClusterWhileTheStreamLeaderIsKilledAndRestarted() throws Exception {
			grantsStaySafeWhileTheLeaderOfAStreamIsKilledAndRestarted(NatsTestBucket::name);
		}

		@Test
		void grantsStaySafeOnAThreeNodeClusterWhileTheHeartbeatsStreamLeaderIsKilledAndRestarted() throws Exception {
			// heartbeat updates fail while the stream has no leader, and go to a new leader after
			grantsStaySafeWhileTheLeaderOfAStreamIsKilledAndRestarted(NatsTestBucket::liveName);
		}

		private void grantsStaySafeWhileTheLeaderOfAStreamIsKilledAndRestarted(
				java.util.function.Function<NatsTestBucket, String> bucketName) throws Exception {
			Duration lease = Duration.ofSeconds(3);
			try (NatsCluster cluster = NatsCluster.start(3);
					NatsTestBucket replicated = new NatsTestBucket(cluster.urls(), 3)) {
				List<LockManager> managers = new ArrayList<>();
				for (int i = 0; i < 3; i++) {
					managers.add(replicated.register(LockManagerBuilder.forBackend(replicated.backend())
						.leaseTime(lease)
						.maxRecheckInterval(Duration.ofMillis(500))
						.build()));
				}
				managers.get(0).tryAcquire(key, LockMode.NL).orElseThrow().release();
				assertThat(replicated.status().getReplicas()).isEqualTo(3);
				List<String> keys = List.of(key + ":a", key + ":b");
				History history = new History();
				AtomicInteger grants = new AtomicInteger();
				AtomicInteger failures = new AtomicInteger();
				AtomicLong pace = new AtomicLong(5);
				CountDownLatch stop = new CountDownLatch(1);
				ExecutorService workers = Executors.newFixedThreadPool(6);
				try {
					List<Future<?>> running = new ArrayList<>();
					for (int t = 0; t < 6; t++) {
						LockManager manager = managers.get(t % managers.size());
						running.add(workers.submit(() -> work(manager, keys, history, grants, failures, pace, stop)));
					}
					await().atMost(WAIT).until(() -> grants.get() >= 100);
					NatsServer leader = streamLeader(cluster, replicated, bucketName.apply(replicated));
					leader.kill();
					int beforeKill = grants.get();
					await().atMost(Duration.ofSeconds(30)).until(() -> grants.get() >= beforeKill + 100);
					// slower while the restarted server catches up: on a loaded 2-core machine it may
					// otherwise never count as current with the stream (its readiness check)
					pace.set(50);
					leader.restart();
					cluster.awaitHealthy();
					pace.set(5);
					int afterRestart = grants.get();
					await().atMost(Duration.ofSeconds(30)).until(() -> grants.get() >= afterRestart + 100);
					stop.countDown();
					for (Future<?> worker : running) {
						worker.get(30, TimeUnit.SECONDS);
					}
				}
				finally {
					stop.countDown();
					workers.shutdownNow();
				}
				assertThat(history.size()).as("valid grants; %d acquisitions failed while a server was down",
						failures.get())
					.isGreaterThanOrEqualTo(300);
				assertThat(history.conflictingOverlaps()).isEmpty();
				assertThat(history.tokenOrderViolations()).isEmpty();
			}
		}

		private static NatsServer streamLeader(NatsCluster cluster, NatsTestBucket bucket, String bucketName)
				throws Exception {
			String leader = bucket.connect()
				.jetStreamManagement()
				.getStreamInfo("KV_" + bucketName)
				.getClusterInfo()
				.getLeader();
			return cluster.members()
				.stream()
				.filter((member) -> member.name().equals(leader))
				.findFirst()
				.orElseThrow(() -> new AssertionError("no member is the stream leader " + leader));
		}

		private static Void work(LockManager manager, List<String> keys, History history, AtomicInteger grants,
				AtomicInteger failures, AtomicLong pace, CountDownLatch stop) {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			while (stop.getCount() > 0) {
				String key = keys.get(random.nextInt(keys.size()));
				LockMode mode = LockMode.values()[random.nextInt(LockMode.values().length)];
				try (LockHandle handle = manager.acquire(key, mode, Duration.ofSeconds(5))) {
					long start = System.nanoTime();
					Thread.onSpinWait();
					long end = System.nanoTime();
					// a grant that lost its lease meanwhile does not count: its holder knows
					if (handle.isValid()) {
						history.record(key, mode, handle.fencingToken(), start, end);
						grants.incrementAndGet();
					}
				}
				catch (DistributedLockException ex) {
					// the server the client talked to died, or the stream elects a new leader:
					// back off as a client would, unless the test ends meanwhile
					failures.incrementAndGet();
					if (pause(stop, 100)) {
						return null;
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return null;
				}
				// work between locks, as clients do: a restarted server must be able to catch up
				// with the stream while the others write
				if (pause(stop, pace.get())) {
					return null;
				}
			}
			return null;
		}

		/** Waits for the end of the test, at most {@code millis}; tells whether it ended. */
		private static boolean pause(CountDownLatch stop, long millis) {
			try {
				return stop.await(millis, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return true;
			}
		}

		private static long lastRenewalSent(CuttableBackend backend, long token) {
			return backend.renewals()
				.stream()
				.filter((renewal) -> renewal.succeeded() && renewal.tickets().contains(token))
				.mapToLong(CuttableBackend.RenewalRecord::sentAt)
				.max()
				.orElse(0);
		}

	}

}
