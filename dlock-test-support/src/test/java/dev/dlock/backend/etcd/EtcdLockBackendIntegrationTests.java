package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.support.KeyCodec;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.tck.History;
import dev.dlock.testserver.EtcdCluster;
import dev.dlock.testserver.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.dlock.backend.etcd.EtcdTestSupport.LEASE;
import static dev.dlock.backend.etcd.EtcdTestSupport.bytes;
import static dev.dlock.backend.etcd.EtcdTestSupport.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What is special about etcd: the key layout, one lease per session, watch wake-ups from
 * the snapshot's revision, and what happens when a holder or etcd itself fails.
 */
class EtcdLockBackendIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(EtcdLockBackendIntegrationTests.class);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final EtcdTestSupport support = new EtcdTestSupport();

	@AfterEach
	void closeResources() {
		this.support.close();
	}

	private static String endpoint() {
		return EtcdServer.shared().endpoint();
	}

	private static AcquireRequest request(String key, LockMode mode, boolean waitIfBusy) {
		return new AcquireRequest(key, mode, "owner-" + UUID.randomUUID(), waitIfBusy);
	}

	@Nested
	class Layout {

		@Test
		void anEntryIsTheEncodedKeyAndOwnerUnderThePrefixWithModeAndReadableKeyInTheValue() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			LockManager manager = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			String key = "orders/42 {x} *>. " + newKey();
			try (LockHandle handle = manager.acquire(key, LockMode.PW, WAIT)) {
				List<KeyValue> entries = EtcdLockBackendIntegrationTests.this.support.entries(raw);
				assertThat(entries).hasSize(1);
				KeyValue entry = entries.get(0);
				String resourcePrefix = EtcdLockBackendIntegrationTests.this.support.keyPrefix + KeyCodec.encode(key)
						+ "/";
				assertThat(entry.getKey().toString()).startsWith(resourcePrefix);
				assertThat(entry.getKey().toString().substring(resourcePrefix.length())).doesNotContain("/")
					.isNotEmpty();
				assertThat(entry.getValue().toString()).isEqualTo("PW:" + key);
				assertThat(entry.getLease()).isNotZero();
				assertThat(handle.fencingToken()).isEqualTo(entry.getCreateRevision());
			}
			// release() deletes in the background
			await().atMost(Duration.ofSeconds(2))
				.untilAsserted(() -> assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).isEmpty());
		}

		@Test
		void aKeyThatIsAPrefixOfAnotherKeyIsAnIndependentLock() {
			LockManager manager = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			String key = newKey();
			Optional<LockHandle> shorter = manager.tryAcquire(key, LockMode.EX);
			Optional<LockHandle> longer = EtcdLockBackendIntegrationTests.this.support.manager(endpoint())
				.tryAcquire(key + "bar", LockMode.EX);
			assertThat(shorter).isPresent();
			assertThat(longer).isPresent();
		}

		@Test
		void allLocksOfASessionShareOneLease() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			LockManager manager = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			for (int i = 0; i < 3; i++) {
				manager.acquire(newKey(), LockMode.EX, WAIT);
			}
			List<KeyValue> entries = EtcdLockBackendIntegrationTests.this.support.entries(raw);
			assertThat(entries).hasSize(3);
			assertThat(entries).extracting(KeyValue::getLease).containsOnly(entries.get(0).getLease());
		}

		@Test
		void declaresASessionLeaseThatItsOwnRemovalsComeFirstConversionBlockingNotificationsAndValueBlocks() {
			assertThat(EtcdLockBackendIntegrationTests.this.support.backend(endpoint()).capabilities())
				.containsExactlyInAnyOrder(BackendCapability.SESSION_LEASE, BackendCapability.OWN_REMOVALS_FIRST,
					BackendCapability.CONVERSION, BackendCapability.BLOCKING_NOTIFICATIONS,
					BackendCapability.VALUE_BLOCKS);
		}

		@Test
		void aClientOfTheApplicationIsNeverClosed() throws Exception {
			Client client = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			EtcdLockBackend backend = EtcdLockBackend.builder(client).build();
			LockManager manager = LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build();
			manager.acquire(newKey(), LockMode.EX, WAIT);
			manager.close();
			backend.close();
			assertThat(client.getKVClient().get(bytes("any")).get(5, TimeUnit.SECONDS).getKvs()).isEmpty();
		}

		@Test
		void connectsWithUserAndPassword() throws Exception {
			EtcdServer server = EtcdLockBackendIntegrationTests.this.support.register(EtcdServer.start());
			try (Client admin = Client.builder().endpoints(server.endpoint()).build()) {
				admin.getAuthClient().roleAdd(bytes("root")).get();
				admin.getAuthClient().userAdd(bytes("root"), bytes("s3cret")).get();
				admin.getAuthClient().userGrantRole(bytes("root"), bytes("root")).get();
				admin.getAuthClient().authEnable().get();
			}
			Client authenticated = EtcdLockBackendIntegrationTests.this.support.register(Client.builder()
				.endpoints(server.endpoint())
				.user(bytes("root"))
				.password(bytes("s3cret"))
				.build());
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(authenticated);
			LockManager manager = EtcdLockBackendIntegrationTests.this.support.manager(backend);
			try (LockHandle handle = manager.acquire(newKey(), LockMode.EX, WAIT)) {
				assertThat(handle.isValid()).isTrue();
			}
			EtcdLockBackend anonymous = EtcdLockBackendIntegrationTests.this.support.backend(server.endpoint());
			assertThat(anonymous.health().join().up()).isFalse();
		}

		@Test
		void healthIsUpWithTheStoreRevision() {
			BackendHealth health = EtcdLockBackendIntegrationTests.this.support.backend(endpoint()).health().join();
			assertThat(health.up()).isTrue();
			assertThat(health.details()).containsKeys("revision", "member", "raftTerm");
		}

		@Test
		void healthIsDownWhenNothingAnswers() {
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support
				.register(EtcdLockBackend.builder(EtcdLockBackendIntegrationTests.this.support.client("http://127.0.0.1:1"))
					.requestTimeout(Duration.ofMillis(500))
					.build());
			BackendHealth health = backend.health().join();
			assertThat(health.up()).isFalse();
			assertThat(health.reason()).isNotBlank();
		}

	}

	@Nested
	class Queue {

		@Test
		void aWaiterIsGrantedWhenTheHolderReleases() throws Exception {
			String key = newKey();
			LockManager first = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			LockManager second = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			LockHandle held = first.acquire(key, LockMode.EX, WAIT);
			CompletableFuture<LockHandle> waiting = second.acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
			held.release();
			LockHandle next = waiting.get(5, TimeUnit.SECONDS);
			assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
		}

		@Test
		void aTryThatWouldWaitLeavesNoEntryBehind() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			String key = newKey();
			LockHandle held = EtcdLockBackendIntegrationTests.this.support.manager(endpoint())
				.acquire(key, LockMode.PR, WAIT);
			LockManager other = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			assertThat(other.tryAcquire(key, LockMode.EX)).isEmpty();
			assertThat(other.tryAcquire(key, LockMode.PW)).isEmpty();
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).hasSize(1)
				.allSatisfy((entry) -> assertThat(entry.getCreateRevision()).isEqualTo(held.fencingToken()));
		}

		@Test
		void compatibleModesAreGrantedTogether() {
			String key = newKey();
			LockManager a = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			LockManager b = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			LockManager c = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			assertThat(a.tryAcquire(key, LockMode.PR)).isPresent();
			assertThat(b.tryAcquire(key, LockMode.CR)).isPresent();
			assertThat(c.tryAcquire(key, LockMode.PR)).isPresent();
			assertThat(c.tryAcquire(key + "-other", LockMode.PW)).isPresent();
		}

		@Test
		void aWaitingWriterHoldsBackLaterReaders() throws Exception {
			String key = newKey();
			LockHandle reader = EtcdLockBackendIntegrationTests.this.support.manager(endpoint())
				.acquire(key, LockMode.PR, WAIT);
			CompletableFuture<LockHandle> writer = EtcdLockBackendIntegrationTests.this.support.manager(endpoint())
				.acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
			LockManager lateReader = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			await().atMost(Duration.ofSeconds(5)).until(() -> lateReader.tryAcquire(key, LockMode.PR).isEmpty());
			CompletableFuture<LockHandle> queuedReader = lateReader.acquireAsync(key, LockMode.PR,
					LockOptions.waitTime(WAIT));
			reader.release();
			LockHandle granted = writer.get(5, TimeUnit.SECONDS);
			assertThat(queuedReader).isNotDone();
			granted.release();
			assertThat(queuedReader.get(5, TimeUnit.SECONDS).fencingToken()).isGreaterThan(granted.fencingToken());
		}

		@Test
		void aWaiterThatTimesOutRemovesItsEntry() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			String key = newKey();
			EtcdLockBackendIntegrationTests.this.support.manager(endpoint()).acquire(key, LockMode.EX, WAIT);
			LockManager other = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			assertThatExceptionOfType(LockAcquisitionTimeoutException.class)
				.isThrownBy(() -> other.acquire(key, LockMode.CW, Duration.ofMillis(300)));
			await().atMost(Duration.ofSeconds(2))
				.untilAsserted(() -> assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).hasSize(1));
		}

	}

	@Nested
	class Spi {

		private LockSession session(EtcdLockBackend backend) {
			return EtcdLockBackendIntegrationTests.this.support.register(backend.openSession(LEASE));
		}

		@Test
		void aWatchOpenedAfterTheBlockerWasDeletedStillSignals() {
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(endpoint());
			LockSession first = session(backend);
			LockSession second = session(backend);
			String key = newKey();
			AcquireRequest holder = request(key, LockMode.EX, true);
			assertThat(first.enqueue(holder).join().state()).isEqualTo(QueueState.GRANTED);
			EnqueueResult waiting = second.enqueue(request(key, LockMode.EX, true)).join();
			assertThat(waiting.state().status()).isEqualTo(QueueState.Status.WAITING);
			first.remove(holder).join();
			AtomicBoolean signalled = new AtomicBoolean();
			try (Subscription subscription = second.watch(entryOf(waiting), () -> signalled.set(true))) {
				await().atMost(Duration.ofSeconds(5)).untilTrue(signalled);
			}
			assertThat(second.poll(entryOf(waiting)).join()).isEqualTo(QueueState.GRANTED);
		}

		@Test
		void aWatchSignalsWhenTheBlockerLeftAndItsSessionReusedItsKeyBeforeTheWatchBegan() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(endpoint());
			LockSession first = session(backend);
			LockSession second = session(backend);
			String key = newKey();
			AcquireRequest holder = request(key, LockMode.EX, true);
			assertThat(first.enqueue(holder).join().state()).isEqualTo(QueueState.GRANTED);
			ByteSequence blockerKey = EtcdLockBackendIntegrationTests.this.support.entries(raw).get(0).getKey();
			EnqueueResult waiting = second.enqueue(request(key, LockMode.EX, true)).join();
			assertThat(waiting.state().status()).isEqualTo(QueueState.Status.WAITING);
			// the holder releases and its session asks again, under the same etcd key, now behind
			// the waiter: what the waiter waited for is gone although its key exists
			first.remove(holder).join();
			EnqueueResult again = first.enqueue(request(key, LockMode.EX, true)).join();
			assertThat(again.state().status()).isEqualTo(QueueState.Status.WAITING);
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).extracting(KeyValue::getKey)
				.contains(blockerKey);
			AtomicBoolean signalled = new AtomicBoolean();
			try (Subscription subscription = second.watch(entryOf(waiting), () -> signalled.set(true))) {
				// well under the engine's re-check: only the watch's own gap check wakes it
				await().atMost(Duration.ofSeconds(3)).untilTrue(signalled);
			}
			assertThat(second.poll(entryOf(waiting)).join()).isEqualTo(QueueState.GRANTED);
		}

		@Test
		void aWatchDoesNotSignalWhileTheBlockerStays() {
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(endpoint());
			LockSession first = session(backend);
			LockSession second = session(backend);
			String key = newKey();
			first.enqueue(request(key, LockMode.PW, true)).join();
			EnqueueResult waiting = second.enqueue(request(key, LockMode.PR, true)).join();
			// an unrelated later entry on the same resource is no reason to wake up
			session(backend).enqueue(request(key, LockMode.NL, true)).join();
			AtomicInteger signals = new AtomicInteger();
			try (Subscription subscription = second.watch(entryOf(waiting), signals::incrementAndGet)) {
				await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> signals.get() == 0);
			}
		}

		@Test
		void pollReportsGoneWhenTheEntryWasDeletedBehindItsBack() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(endpoint());
			LockSession session = session(backend);
			String key = newKey();
			session.enqueue(request(key, LockMode.EX, true)).join();
			EnqueueResult waiting = session.enqueue(request(key, LockMode.EX, true)).join();
			QueueEntry entry = entryOf(waiting);
			KeyValue waitingEntry = EtcdLockBackendIntegrationTests.this.support.entries(raw)
				.stream()
				.filter((kv) -> kv.getCreateRevision() == entry.ticket())
				.findFirst()
				.orElseThrow();
			raw.getKVClient().delete(waitingEntry.getKey()).get();
			assertThat(session.poll(entry).join()).isEqualTo(QueueState.GONE);
		}

		@Test
		void renewReportsEveryEntryLostWhenTheLeaseIsRevokedAndLaterEntriesGetAFreshLease() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(endpoint());
			LockSession session = session(backend);
			QueueEntry one = entryOf(session.enqueue(request(newKey(), LockMode.EX, true)).join());
			QueueEntry two = entryOf(session.enqueue(request(newKey(), LockMode.PR, true)).join());
			long lease = EtcdLockBackendIntegrationTests.this.support.entries(raw).get(0).getLease();
			raw.getLeaseClient().revoke(lease).get();
			assertThat(session.renew(List.of(one, two)).join()).containsExactlyInAnyOrder(one, two);
			QueueEntry three = entryOf(session.enqueue(request(newKey(), LockMode.EX, true)).join());
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).singleElement()
				.satisfies((entry) -> assertThat(entry.getLease()).isNotEqualTo(lease));
			assertThat(session.renew(List.of(three)).join()).isEmpty();
		}

		@Test
		void anEnqueueAfterTheIdleLeaseExpiredTakesAFreshLease() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(endpoint());
			LockSession session = session(backend);
			AcquireRequest first = request(newKey(), LockMode.EX, true);
			session.enqueue(first).join();
			long lease = EtcdLockBackendIntegrationTests.this.support.entries(raw).get(0).getLease();
			session.remove(first).join();
			// nobody renews an idle session: its lease runs out on the server
			await().atMost(Duration.ofSeconds(10))
				.until(() -> raw.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get().getTTL() < 0);
			EnqueueResult next = session.enqueue(request(newKey(), LockMode.EX, true)).join();
			assertThat(next.state()).isEqualTo(QueueState.GRANTED);
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).singleElement()
				.satisfies((entry) -> assertThat(entry.getLease()).isNotEqualTo(lease));
		}

		@Test
		void aRenewalWithNoEntriesKeepsTheIdleSessionLeaseAliveForTheNextEnqueue() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			LockSession session = session(EtcdLockBackendIntegrationTests.this.support.backend(endpoint()));
			AcquireRequest first = request(newKey(), LockMode.EX, true);
			session.enqueue(first).join();
			long lease = EtcdLockBackendIntegrationTests.this.support.entries(raw).get(0).getLease();
			session.remove(first).join();
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				LeaseTimeToLiveResponse ttl = raw.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get();
				// etcd reports whole seconds, rounded down
				return ttl.getTTL() <= ttl.getGrantedTTL() - 2;
			});
			assertThat(session.renew(List.of()).join()).isEmpty();
			LeaseTimeToLiveResponse renewed = raw.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get();
			assertThat(renewed.getTTL()).isGreaterThanOrEqualTo(renewed.getGrantedTTL() - 1);
			session.enqueue(request(newKey(), LockMode.EX, true)).join();
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).singleElement()
				.satisfies((entry) -> assertThat(entry.getLease()).isEqualTo(lease));
		}

		@Test
		void closingASessionRevokesItsLeaseAndDeletesItsEntries() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			LockSession session = session(EtcdLockBackendIntegrationTests.this.support.backend(endpoint()));
			session.enqueue(request(newKey(), LockMode.EX, true)).join();
			session.enqueue(request(newKey(), LockMode.CR, true)).join();
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).hasSize(2);
			session.close();
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).isEmpty();
		}

		@Test
		void aLockTakenAgainAndAgainReusesItsEtcdKeySoThatNoDeletedKeysPileUpInTheQueue() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			LockSession session = session(EtcdLockBackendIntegrationTests.this.support.backend(endpoint()));
			String key = newKey();
			Set<ByteSequence> entryKeys = new HashSet<>();
			for (int i = 0; i < 5; i++) {
				AcquireRequest request = request(key, LockMode.EX, true);
				session.enqueue(request).join();
				entryKeys.add(EtcdLockBackendIntegrationTests.this.support.entries(raw).get(0).getKey());
				session.remove(request).join();
			}
			assertThat(entryKeys).hasSize(1);
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).isEmpty();
		}

		@Test
		void removeIsIdempotentAndTouchesOnlyItsOwnEntry() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			LockSession session = session(EtcdLockBackendIntegrationTests.this.support.backend(endpoint()));
			String key = newKey();
			AcquireRequest mine = request(key, LockMode.PR, true);
			session.enqueue(mine).join();
			session.enqueue(request(key, LockMode.PR, true)).join();
			session.remove(mine).join();
			session.remove(mine).join();
			session.remove(request(key, LockMode.PR, true)).join();
			assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).hasSize(1);
		}

		@Test
		void anEnqueueThatFailedButIsAppliedAfterItsRemovalLeavesNoEntry() throws Exception {
			HeldBackEnqueue late = holdBackEnqueue();
			late.holding().failHeldCall();
			assertThat(late.enqueue()).failsWithin(WAIT).withThrowableOfType(ExecutionException.class);
			// the engine withdraws the request whose enqueue failed; etcd gets the enqueue only
			// after that removal, and its reply is lost
			late.session().remove(late.request()).join();
			late.holding().sendHeldTransaction().join();
			// the session lease lives on (the engine renews it), so only a withdrawal that the
			// late enqueue cannot outrun keeps the lock from being held by nobody
			assertNoEntryLeft(late);
			assertThat(EtcdLockBackendIntegrationTests.this.support.manager(endpoint())
				.tryAcquire(late.request().key(), LockMode.EX)).isPresent();
		}

		@Test
		void anEnqueueWithdrawnWhileUnderWayThatFailsButIsAppliedLateLeavesNoEntry() throws Exception {
			HeldBackEnqueue late = holdBackEnqueue();
			// the engine gives up while the enqueue is under way (its one removal goes first),
			// then the enqueue fails: the engine does not ask again
			await().atMost(WAIT).until(() -> late.holding().isHolding());
			late.session().remove(late.request()).join();
			late.holding().failHeldCall();
			assertThat(late.enqueue()).failsWithin(WAIT).withThrowableOfType(ExecutionException.class);
			late.holding().sendHeldTransaction().join();
			assertNoEntryLeft(late);
		}

		/** Sends an EX enqueue whose transaction the client holds back until the test says. */
		private HeldBackEnqueue holdBackEnqueue() throws Exception {
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(endpoint());
			HoldingClient holding = new HoldingClient(EtcdLockBackendIntegrationTests.this.support.client(endpoint()));
			LockSession session = session(EtcdLockBackendIntegrationTests.this.support.backend(holding.client()));
			AcquireRequest request = request(newKey(), LockMode.EX, true);
			holding.holdNextTransaction();
			return new HeldBackEnqueue(raw, holding, session, request, session.enqueue(request));
		}

		private void assertNoEntryLeft(HeldBackEnqueue late) {
			assertThat(late.session().renew(List.of()).join()).isEmpty();
			await().atMost(Duration.ofSeconds(2))
				.untilAsserted(() -> assertThat(EtcdLockBackendIntegrationTests.this.support.entries(late.raw())).isEmpty());
		}

		private static QueueEntry entryOf(EnqueueResult result) {
			QueueEntry entry = result.entry();
			assertThat(entry).isNotNull();
			return entry;
		}

		/**
		 * An enqueue under way whose transaction a {@link HoldingClient} holds back, and a
		 * client that reads etcd directly.
		 */
		private record HeldBackEnqueue(Client raw, HoldingClient holding, LockSession session, AcquireRequest request,
				CompletableFuture<EnqueueResult> enqueue) {
		}

	}

	@Nested
	class Cluster {

		private static final Duration CLUSTER_LEASE = Duration.ofSeconds(5);

		@Test
		void conflictingGrantsNeverOverlapAndTokensKeepIncreasingWhileTheLeaderIsKilled() throws Exception {
			EtcdCluster cluster = EtcdLockBackendIntegrationTests.this.support.register(EtcdCluster.start(3));
			String key = newKey();
			History history = new History();
			ConcurrentLinkedQueue<Long> grantTimes = new ConcurrentLinkedQueue<>();
			AtomicBoolean stop = new AtomicBoolean();
			AtomicInteger failures = new AtomicInteger();
			List<CompletableFuture<Void>> workers = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				LockManager manager = EtcdLockBackendIntegrationTests.this.support.register(LockManagerBuilder
					.forBackend(EtcdLockBackendIntegrationTests.this.support.backend(cluster.endpoints()))
					.leaseTime(CLUSTER_LEASE)
					.build());
				LockMode[] modes = (i % 2 == 0) ? new LockMode[] { LockMode.EX, LockMode.PR }
						: new LockMode[] { LockMode.PR, LockMode.PW };
				workers.add(CompletableFuture
					.runAsync(() -> work(manager, key, modes, history, grantTimes, stop, failures)));
			}
			try {
				await().atMost(Duration.ofSeconds(20)).until(() -> grantTimes.size() >= 20);
				EtcdServer leader = cluster.leader();
				long killedAt = System.nanoTime();
				leader.kill();
				await().atMost(Duration.ofSeconds(30)).until(() -> countAfter(grantTimes, killedAt) >= 20);
				leader.restart();
				cluster.awaitHealthy();
				long healedAt = System.nanoTime();
				await().atMost(Duration.ofSeconds(20)).until(() -> countAfter(grantTimes, healedAt) >= 20);
			}
			finally {
				stop.set(true);
				CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
			}
			logger.info("Leader kill: {} grants, {} failed attempts", history.size(), failures.get());
			assertThat(history.conflictingOverlaps()).isEmpty();
			assertThat(history.tokenOrderViolations()).isEmpty();
		}

		private static long countAfter(ConcurrentLinkedQueue<Long> times, long nanoTime) {
			return times.stream().filter((time) -> time - nanoTime > 0).count();
		}

		private void work(LockManager manager, String key, LockMode[] modes, History history,
				ConcurrentLinkedQueue<Long> grantTimes, AtomicBoolean stop, AtomicInteger failures) {
			int round = 0;
			while (!stop.get()) {
				LockMode mode = modes[round++ % modes.length];
				try {
					LockHandle handle = manager.acquire(key, mode, WAIT);
					long grantedAt = System.nanoTime();
					AtomicLong lostAt = new AtomicLong();
					handle.onLost((loss) -> lostAt.compareAndSet(0, System.nanoTime()));
					for (int spin = 0; spin < 200; spin++) {
						Thread.onSpinWait();
					}
					long endedAt = System.nanoTime();
					boolean valid = handle.isValid();
					handle.release();
					// a grant that was lost counts only until it was lost (the holder was told)
					history.record(key, mode, handle.fencingToken(), grantedAt,
							(valid || lostAt.get() == 0) ? endedAt : lostAt.get());
					grantTimes.add(grantedAt);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				catch (RuntimeException ex) {
					// no leader for a moment: the request failed or timed out; try again
					failures.incrementAndGet();
				}
			}
		}

	}

	@Nested
	class Failures {

		@Test
		void tokensKeepIncreasingAcrossARestartOfTheWholeServerWithItsData() throws Exception {
			EtcdServer server = EtcdLockBackendIntegrationTests.this.support.register(EtcdServer.start());
			LockManager manager = EtcdLockBackendIntegrationTests.this.support.manager(server.endpoint());
			String key = newKey();
			long highestBefore = 0;
			for (int i = 0; i < 3; i++) {
				try (LockHandle handle = manager.acquire(key, LockMode.EX, WAIT)) {
					highestBefore = Math.max(highestBefore, handle.fencingToken());
				}
			}
			// a single node: nothing serves the key while it is down, and it comes back with its data
			server.restart();
			long afterRestart = await().atMost(Duration.ofSeconds(30))
				.ignoreExceptionsInstanceOf(LockBackendException.class)
				.until(() -> tokenOfOneGrant(manager, key), (token) -> token > 0);
			// and for a client started after the restart, as another process would be
			long newClient = tokenOfOneGrant(EtcdLockBackendIntegrationTests.this.support.manager(server.endpoint()),
					key);
			assertThat(afterRestart).isGreaterThan(highestBefore);
			assertThat(newClient).isGreaterThan(afterRestart);
		}

		private static long tokenOfOneGrant(LockManager manager, String key) throws InterruptedException {
			try (LockHandle handle = manager.acquire(key, LockMode.EX, WAIT)) {
				return handle.fencingToken();
			}
		}

		@Test
		void aCutHolderFreesItsLockWithinLeaseRenewalPeriodAndTwoSeconds() throws Exception {
			String key = newKey();
			Client holderClient = Client.builder().endpoints(endpoint()).build();
			LockManager holder = EtcdLockBackendIntegrationTests.this.support
				.register(LockManagerBuilder.forBackend(EtcdLockBackendIntegrationTests.this.support.backend(holderClient))
					.leaseTime(LEASE)
					.closeTimeout(Duration.ofMillis(100))
					.build());
			holder.acquire(key, LockMode.EX, WAIT);
			LockManager other = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			long cutAt = System.nanoTime();
			holderClient.close();
			Duration bound = LEASE.plus(LEASE.dividedBy(3)).plusSeconds(2);
			Duration left = bound.minusNanos(System.nanoTime() - cutAt);
			try (LockHandle next = other.acquire(key, LockMode.EX, left)) {
				assertThat(next.isValid()).isTrue();
			}
		}

		@Test
		void aLockCountedLostIsDeletedEvenThoughTheSessionLeaseLivesOnForOtherLocks() throws Exception {
			CuttableBackend cuttable = EtcdLockBackendIntegrationTests.this.support
				.register(new CuttableBackend(EtcdLockBackendIntegrationTests.this.support.backend(endpoint())));
			LockManager holder = EtcdLockBackendIntegrationTests.this.support
				.register(LockManagerBuilder.forBackend(cuttable).leaseTime(LEASE).build());
			String key = newKey();
			LockHandle lost = holder.acquire(key, LockMode.EX, WAIT);
			cuttable.cut();
			await().atMost(LEASE.plusSeconds(1)).pollInterval(Duration.ofMillis(5)).until(() -> !lost.isValid());
			cuttable.heal();
			// at once, while etcd still has the lease: the new lock keeps the shared lease alive
			LockHandle other = holder.acquire(newKey(), LockMode.EX, WAIT);
			LockManager next = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			// the lost entry is not renewed, so it goes within a renewal round, not when its
			// holder gets round to releasing it
			try (LockHandle taken = next.acquire(key, LockMode.EX, LEASE.plusSeconds(2))) {
				assertThat(taken.fencingToken()).isGreaterThan(lost.fencingToken());
			}
			assertThat(other.isValid()).isTrue();
		}

		@Test
		void anEnqueueAppliedAfterItTimedOutLeavesNoEntry() throws Exception {
			EtcdServer server = EtcdLockBackendIntegrationTests.this.support.register(EtcdServer.start());
			Client raw = EtcdLockBackendIntegrationTests.this.support.client(server.endpoint());
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support
				.register(EtcdLockBackend.builder(EtcdLockBackendIntegrationTests.this.support.client(server.endpoint()))
					.keyPrefix(EtcdLockBackendIntegrationTests.this.support.keyPrefix)
					.requestTimeout(Duration.ofMillis(300))
					.build());
			LockSession session = EtcdLockBackendIntegrationTests.this.support.register(backend.openSession(LEASE));
			// a cold client may need more than the short timeout for its first lease and txn
			await().atMost(Duration.ofSeconds(10))
				.ignoreExceptions()
				.until(() -> session.enqueue(request(newKey(), LockMode.EX, true)).join().state() == QueueState.GRANTED);
			await().atMost(Duration.ofSeconds(2))
				.untilAsserted(() -> assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).hasSize(1));
			server.pause();
			CompletableFuture<EnqueueResult> late = session.enqueue(request(newKey(), LockMode.EX, true));
			await().atMost(Duration.ofSeconds(2)).until(late::isCompletedExceptionally);
			server.resume();
			// etcd applies the txn now; the entry goes long before the session lease would end
			await().atMost(Duration.ofSeconds(2))
				.untilAsserted(() -> assertThat(EtcdLockBackendIntegrationTests.this.support.entries(raw)).hasSize(1));
		}

		@Test
		void aSessionClosedWithoutReleaseFreesItsLocksAtOnce() throws Exception {
			String key = newKey();
			EtcdLockBackend backend = EtcdLockBackendIntegrationTests.this.support.backend(endpoint());
			LockSession session = backend.openSession(LEASE);
			assertThat(session.enqueue(request(key, LockMode.EX, true)).join().state()).isEqualTo(QueueState.GRANTED);
			LockManager other = EtcdLockBackendIntegrationTests.this.support.manager(endpoint());
			CompletableFuture<LockHandle> waiting = other.acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
			session.close();
			// well under the lease: the revoke deletes the entry and the watch wakes the waiter
			assertThat(waiting.get(1, TimeUnit.SECONDS).isValid()).isTrue();
		}

		@Test
		void pausedEtcdInvalidatesHoldersWithinOneLeaseAndLocksCanBeTakenAfterResume() throws Exception {
			EtcdServer server = EtcdLockBackendIntegrationTests.this.support.register(EtcdServer.start());
			String key = newKey();
			LockManager holder = EtcdLockBackendIntegrationTests.this.support
				.register(LockManagerBuilder.forBackend(EtcdLockBackendIntegrationTests.this.support.backend(server.endpoint()))
					.leaseTime(LEASE)
					.closeTimeout(Duration.ofMillis(100))
					.build());
			LockHandle handle = holder.acquire(key, LockMode.EX, WAIT);
			CompletableFuture<LockLostException> lost = new CompletableFuture<>();
			handle.onLost(lost::complete);
			server.pause();
			long pausedAt = System.nanoTime();
			// the last renewal was sent before the pause: invalid at most one lease later
			await().atMost(LEASE.plusMillis(500)).until(() -> !handle.isValid());
			assertThat(lost.get(1, TimeUnit.SECONDS)).isInstanceOf(LockLostException.class);
			// stay paused until the server-side TTL (a third over the lease) has surely passed
			Duration serverTtl = Duration.ofSeconds(EtcdLockSession.serverTtlSeconds(LEASE));
			Duration rest = serverTtl.plusMillis(500).minusNanos(System.nanoTime() - pausedAt);
			if (!rest.isNegative() && !rest.isZero()) {
				await().pollDelay(rest).atMost(rest.plusSeconds(1)).until(() -> true);
			}
			server.resume();
			LockManager other = EtcdLockBackendIntegrationTests.this.support.manager(server.endpoint());
			try (LockHandle next = other.acquire(key, LockMode.EX, WAIT)) {
				assertThat(next.fencingToken()).isGreaterThan(handle.fencingToken());
			}
			try (LockHandle again = holder.acquire(key, LockMode.EX, WAIT)) {
				assertThat(again.isValid()).isTrue();
			}
			assertThat(handle.isValid()).isFalse();
		}

	}

}
