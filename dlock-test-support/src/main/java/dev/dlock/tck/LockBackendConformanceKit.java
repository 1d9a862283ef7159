package dev.dlock.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import dev.dlock.InvalidLockRequestException;
import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The behaviour every backend must show, written once and run against each backend by a
 * subclass that says how to make an independent client.
 * <p>
 * Each manager the kit makes stands for another process: it has its own client (from
 * {@link #createBackend()}) wrapped in a {@link CuttableBackend}, so that a test can cut
 * it off as a crash or a partition would.
 */
public abstract class LockBackendConformanceKit {

	private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

	/**
	 * Makes a new, independent client of the backend under test, as another process would
	 * have. The kit closes it after the test.
	 * @return the backend
	 */
	protected abstract LockBackend createBackend();

	/**
	 * The lease time for the test's managers: short, to keep the suite fast, but long
	 * enough for the backend (etcd's minimum is 2 seconds).
	 * @return the lease time
	 */
	protected abstract Duration leaseTime();

	/**
	 * What the backend may add to lease + renewal period before a crashed holder's lock is
	 * free (for example etcd rounding leases up, or a re-check period).
	 * @return the slack, 1 second by default
	 */
	protected Duration backendSlack() {
		return Duration.ofSeconds(1);
	}

	/**
	 * How many distinct keys the many-keys check holds at once.
	 * @return 10,000 by default
	 */
	protected int manyKeysCount() {
		return 10_000;
	}

	@AfterEach
	void closeResources() throws Exception {
		List<AutoCloseable> reversed = new ArrayList<>(this.resources);
		Collections.reverse(reversed);
		for (AutoCloseable resource : reversed) {
			resource.close();
		}
		this.resources.clear();
	}

	/**
	 * Makes a manager on a new client.
	 * @return the manager; closed after the test
	 */
	protected LockManager newManager() {
		return newClient().manager();
	}

	/**
	 * Makes a manager on a new client that the test can cut off.
	 * @return the client
	 */
	protected Client newClient() {
		CuttableBackend backend = track(new CuttableBackend(createBackend()));
		LockManager manager = track(LockManagerBuilder.forBackend(backend)
			.leaseTime(leaseTime())
			.maxRecheckInterval(leaseTime().dividedBy(2))
			.closeTimeout(Duration.ofSeconds(2))
			.build());
		return new Client(manager, backend);
	}

	/**
	 * Closes a resource of the test after it, before the managers and backends.
	 * @param <T> the resource's type
	 * @param resource the resource
	 * @return the resource
	 */
	protected <T extends AutoCloseable> T track(T resource) {
		this.resources.add(resource);
		return resource;
	}

	/**
	 * A new key that no other test uses.
	 * @return the key
	 */
	protected static String newKey() {
		return "dlock-test:" + UUID.randomUUID();
	}

	private Duration renewalInterval() {
		return leaseTime().dividedBy(3);
	}

	/**
	 * Whether {@code probe} gets {@code mode} on {@code key} at once; a granted probe is
	 * released again.
	 * @param probe the manager that tries
	 * @param key the key
	 * @param mode the mode
	 * @return whether the lock was granted at once
	 */
	protected static boolean grantsAtOnce(LockManager probe, String key, LockMode mode) {
		Optional<LockHandle> handle = probe.tryAcquire(key, mode);
		handle.ifPresent(LockHandle::release);
		return handle.isPresent();
	}

	/**
	 * Waits up to 5 seconds until {@code probe} does (or does not) get {@code mode} at once.
	 * @param probe the manager that tries
	 * @param key the key
	 * @param mode the mode
	 * @param grantable whether to wait until it is granted, or until it is not
	 */
	protected static void awaitGrantable(LockManager probe, String key, LockMode mode, boolean grantable) {
		await().atMost(Duration.ofSeconds(5)).until(() -> grantsAtOnce(probe, key, mode) == grantable);
	}

	static Stream<Arguments> modePairs() {
		return Stream.of(LockMode.values())
			.flatMap((held) -> Stream.of(LockMode.values()).map((requested) -> Arguments.of(held, requested)));
	}

	/**
	 * A manager and the client under it.
	 *
	 * @param manager the manager
	 * @param backend the client, which the test can cut off
	 */
	protected record Client(LockManager manager, CuttableBackend backend) {
	}

	@Nested
	class Conversion extends ConversionConformance {

		@Override
		protected LockManager newManager() {
			return LockBackendConformanceKit.this.newManager();
		}

		@Override
		protected Client newClient() {
			return LockBackendConformanceKit.this.newClient();
		}

		@Override
		protected Duration leaseTime() {
			return LockBackendConformanceKit.this.leaseTime();
		}

	}

	@Nested
	class Blocking extends BlockingConformance {

		@Override
		protected LockManager newManager() {
			return LockBackendConformanceKit.this.newManager();
		}

	}

	@Nested
	class Values extends ValueConformance {

		@Override
		protected LockManager newManager() {
			return LockBackendConformanceKit.this.newManager();
		}

		@Override
		protected Client newClient() {
			return LockBackendConformanceKit.this.newClient();
		}

		@Override
		protected Duration leaseTime() {
			return LockBackendConformanceKit.this.leaseTime();
		}

		@Override
		protected Duration crashWait() {
			return leaseTime().plus(renewalInterval()).plus(backendSlack()).plusSeconds(5);
		}

	}

	@Nested
	class Coherence extends CoherenceConformance {

		@Override
		protected LockManager newManager() {
			return LockBackendConformanceKit.this.newManager();
		}

		@Override
		protected Client newClient() {
			return LockBackendConformanceKit.this.newClient();
		}

	}

	@Nested
	class Threads extends ThreadConformance {

		@Override
		protected LockBackend createBackend() {
			return LockBackendConformanceKit.this.createBackend();
		}

		@Override
		protected Duration leaseTime() {
			return LockBackendConformanceKit.this.leaseTime();
		}

	}

	@Nested
	class Reactive extends ReactiveConformance {

		@Override
		protected LockManager newManager() {
			return LockBackendConformanceKit.this.newManager();
		}

	}

	@Nested
	class ModeMatrix {

		@ParameterizedTest(name = "{0} held, {1} requested")
		@MethodSource("dev.dlock.tck.LockBackendConformanceKit#modePairs")
		void tryAcquireFollowsTheMatrixBetweenTwoManagers(LockMode held, LockMode requested) {
			LockManager first = newManager();
			LockManager second = newManager();
			String key = newKey();
			LockHandle holder = first.tryAcquire(key, held).orElseThrow();
			Optional<LockHandle> other = second.tryAcquire(key, requested);
			assertThat(other.isPresent()).as("%s granted while %s held", requested, held)
				.isEqualTo(ExpectedCompatibility.compatible(held, requested));
			other.ifPresent(LockHandle::release);
			holder.release();
			LockHandle afterRelease = await().atMost(Duration.ofSeconds(5))
				.until(() -> second.tryAcquire(key, requested), Optional::isPresent)
				.orElseThrow();
			assertThat(afterRelease.isValid()).isTrue();
			afterRelease.release();
		}

		@ParameterizedTest(name = "{0} held, {1} waits")
		@MethodSource("dev.dlock.tck.LockBackendConformanceKit#modePairs")
		void waitingRequestIsGrantedExactlyWhenCompatibleOrAfterRelease(LockMode held, LockMode requested)
				throws Exception {
			LockManager first = newManager();
			LockManager second = newManager();
			String key = newKey();
			LockHandle holder = first.acquire(key, held, Duration.ofSeconds(5));
			CompletableFuture<LockHandle> waiter = second.acquireAsync(key, requested,
					LockOptions.waitTime(Duration.ofSeconds(10)));
			if (ExpectedCompatibility.compatible(held, requested)) {
				assertThat(waiter.get(5, TimeUnit.SECONDS).isValid()).isTrue();
			}
			else {
				await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiter.isDone());
				holder.release();
				assertThat(waiter.get(5, TimeUnit.SECONDS).fencingToken()).isGreaterThan(holder.fencingToken());
			}
			waiter.get().release();
			holder.release();
		}

	}

	@Nested
	class Fairness {

		@Test
		void queuedExclusiveRequestIsNotOvertakenByLaterReaders() throws Exception {
			LockManager reader = newManager();
			LockManager writer = newManager();
			LockManager lateReader = newManager();
			String key = newKey();
			LockHandle read = reader.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			CompletableFuture<LockHandle> write = writer.acquireAsync(key, LockMode.EX,
					LockOptions.waitTime(Duration.ofSeconds(20)));
			awaitQueued(lateReader, key);
			assertThat(lateReader.tryAcquire(key, LockMode.PR)).isEmpty();
			CompletableFuture<LockHandle> laterRead = lateReader.acquireAsync(key, LockMode.PR,
					LockOptions.waitTime(Duration.ofSeconds(20)));
			await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !laterRead.isDone());
			read.release();
			LockHandle written = write.get(10, TimeUnit.SECONDS);
			await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !laterRead.isDone());
			written.release();
			LockHandle readAfterWrite = laterRead.get(10, TimeUnit.SECONDS);
			assertThat(readAfterWrite.fencingToken()).isGreaterThan(written.fencingToken());
			readAfterWrite.release();
		}

		@Test
		void conflictingWaitersAreGrantedInArrivalOrder() throws Exception {
			LockManager holder = newManager();
			String key = newKey();
			LockHandle first = holder.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			List<CompletableFuture<LockHandle>> waiters = new ArrayList<>();
			List<String> grantOrder = new CopyOnWriteArrayList<>();
			for (int i = 0; i < 3; i++) {
				String name = "waiter-" + i;
				Client client = newClient();
				CompletableFuture<LockHandle> waiter = client.manager().acquireAsync(key, LockMode.EX,
						LockOptions.waitTime(Duration.ofSeconds(30)));
				// waited for below, so that the order is recorded before it is checked
				waiters.add(waiter.thenApply((granted) -> {
					grantOrder.add(name);
					return granted;
				}));
				// once the server answered, every later request gets a larger ticket
				await().atMost(Duration.ofSeconds(5)).until(() -> client.backend().enqueued() > 0);
			}
			first.release();
			for (CompletableFuture<LockHandle> waiter : waiters) {
				LockHandle granted = waiter.get(10, TimeUnit.SECONDS);
				granted.release();
			}
			assertThat(grantOrder).containsExactly("waiter-0", "waiter-1", "waiter-2");
		}

		/** Waits until a probe sees that an exclusive request is queued on the key. */
		private void awaitQueued(LockManager probe, String key) {
			awaitGrantable(probe, key, LockMode.CR, false);
		}

	}

	@Nested
	class TryAndTimeouts {

		@Test
		void rejectedTryLeavesNoTrace() {
			LockManager reader = newManager();
			LockManager writer = newManager();
			LockManager secondReader = newManager();
			String key = newKey();
			LockHandle read = reader.tryAcquire(key, LockMode.PR).orElseThrow();
			assertThat(writer.tryAcquire(key, LockMode.EX)).isEmpty();
			// a trace of the EX try would queue the next reader behind it
			LockHandle secondRead = secondReader.tryAcquire(key, LockMode.PR).orElseThrow();
			secondRead.release();
			read.release();
		}

		@Test
		void acquireTimesOutAndWithdrawsItsRequest() throws Exception {
			LockManager reader = newManager();
			LockManager writer = newManager();
			LockManager secondReader = newManager();
			String key = newKey();
			LockHandle read = reader.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			long start = System.nanoTime();
			assertThatExceptionOfType(LockAcquisitionTimeoutException.class)
				.isThrownBy(() -> writer.acquire(key, LockMode.EX, Duration.ofMillis(300)));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
			awaitGrantable(secondReader, key, LockMode.PR, true);
			read.release();
		}

		@Test
		void acquireWithZeroWaitOnBusyKeyTimesOutAtOnce() throws Exception {
			LockManager first = newManager();
			LockManager second = newManager();
			String key = newKey();
			LockHandle held = first.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			assertThatExceptionOfType(LockAcquisitionTimeoutException.class)
				.isThrownBy(() -> second.acquire(key, LockMode.EX, Duration.ZERO));
			held.release();
		}

		@Test
		void interruptWhileWaitingThrowsAndWithdrawsTheRequest() throws Exception {
			LockManager reader = newManager();
			LockManager writer = newManager();
			LockManager secondReader = newManager();
			String key = newKey();
			LockHandle read = reader.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			AtomicReference<Throwable> thrown = new AtomicReference<>();
			Thread waiting = new Thread(() -> {
				try {
					writer.acquire(key, LockMode.EX, Duration.ofSeconds(30));
				}
				catch (Throwable ex) {
					thrown.set(ex);
				}
			});
			waiting.start();
			awaitGrantable(secondReader, key, LockMode.PR, false);
			waiting.interrupt();
			waiting.join(5000);
			assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
			awaitGrantable(secondReader, key, LockMode.PR, true);
			read.release();
		}

		@Test
		void cancellingAnAsyncAcquireWithdrawsTheRequest() {
			LockManager reader = newManager();
			LockManager writer = newManager();
			LockManager secondReader = newManager();
			String key = newKey();
			LockHandle read = reader.tryAcquire(key, LockMode.PR).orElseThrow();
			CompletableFuture<LockHandle> write = writer.acquireAsync(key, LockMode.EX,
					LockOptions.waitTime(Duration.ofSeconds(30)));
			awaitGrantable(secondReader, key, LockMode.PR, false);
			write.cancel(false);
			awaitGrantable(secondReader, key, LockMode.PR, true);
			read.release();
		}

	}

	@Nested
	class Reentrancy {

		@Test
		void sameThreadGetsACountedHoldWithTheSameToken() throws Exception {
			LockManager manager = newManager();
			LockManager other = newManager();
			String key = newKey();
			LockHandle outer = manager.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			LockHandle inner = manager.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
			inner.release();
			assertThat(outer.isValid()).isTrue();
			assertThat(other.tryAcquire(key, LockMode.CR)).isEmpty();
			outer.release();
			awaitGrantable(other, key, LockMode.EX, true);
		}

		@Test
		void askingForAStrongerModeOnTheSameThreadFailsFast() throws Exception {
			LockManager manager = newManager();
			String key = newKey();
			LockHandle read = manager.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			long start = System.nanoTime();
			assertThatExceptionOfType(InvalidLockRequestException.class)
				.isThrownBy(() -> manager.acquire(key, LockMode.EX, Duration.ofSeconds(30)))
				.withMessageContaining("PR")
				.withMessageContaining("EX");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			assertThat(read.isValid()).isTrue();
			read.release();
		}

		@Test
		void anotherThreadOfTheSameManagerIsNotReentrant() throws Exception {
			LockManager manager = newManager();
			String key = newKey();
			LockHandle held = manager.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			CompletableFuture<Optional<LockHandle>> fromOtherThread = CompletableFuture
				.supplyAsync(() -> manager.tryAcquire(key, LockMode.EX));
			assertThat(fromOtherThread.get(5, TimeUnit.SECONDS)).isEmpty();
			held.release();
		}

	}

	@Nested
	class Leases {

		@Test
		void crashedHoldersLockIsFreeWithinLeasePlusRenewalPlusSlack() throws Exception {
			Client holder = newClient();
			LockManager other = newManager();
			String key = newKey();
			holder.manager().acquire(key, LockMode.EX, Duration.ofSeconds(5));
			holder.backend().cut();
			long crashedAt = System.nanoTime();
			Duration bound = leaseTime().plus(renewalInterval()).plus(backendSlack());
			LockHandle next = other.acquire(key, LockMode.EX, bound.plusSeconds(5));
			assertThat(Duration.ofNanos(System.nanoTime() - crashedAt)).isLessThanOrEqualTo(bound);
			next.release();
		}

		@Test
		void renewalKeepsALockBeyondSeveralLeaseTimes() throws Exception {
			LockManager holder = newManager();
			LockManager other = newManager();
			String key = newKey();
			LockHandle held = holder.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			await().during(leaseTime().multipliedBy(5).dividedBy(2))
				.atMost(leaseTime().multipliedBy(4))
				.pollInterval(Duration.ofMillis(100))
				.until(held::isValid);
			assertThat(other.tryAcquire(key, LockMode.CR)).isEmpty();
			held.ensureValid();
			held.release();
		}

		@Test
		void holderCutOffFromTheBackendSeesItsLockLostWithinOneLeaseOfItsLastRenewal() throws Exception {
			Client holder = newClient();
			String key = newKey();
			LockHandle held = holder.manager().acquire(key, LockMode.EX, Duration.ofSeconds(5));
			CompletableFuture<LockLostException> told = new CompletableFuture<>();
			held.onLost(told::complete);
			long acquiredAt = System.nanoTime();
			await().atMost(leaseTime()).until(() -> holder.backend().renewals().stream().anyMatch(
					(renewal) -> renewal.succeeded() && renewal.covers(key, held.fencingToken())));
			holder.backend().cut();
			await().atMost(leaseTime().plusSeconds(2)).pollInterval(Duration.ofMillis(5)).until(() -> !held.isValid());
			long invalidAt = System.nanoTime();
			long lastRenewalSent = holder.backend()
				.renewals()
				.stream()
				.filter((renewal) -> renewal.succeeded() && renewal.covers(key, held.fencingToken()))
				.mapToLong(CuttableBackend.RenewalRecord::sentAt)
				.max()
				.orElse(acquiredAt);
			assertThat(Duration.ofNanos(invalidAt - lastRenewalSent))
				.isLessThanOrEqualTo(leaseTime().plusMillis(100));
			assertThat(told.get(2, TimeUnit.SECONDS)).isInstanceOf(LockLostException.class);
			assertThatThrownBy(held::ensureValid).isInstanceOf(LockLostException.class);
			holder.backend().heal();
			long healedAt = System.nanoTime();
			LockHandle another = holder.manager().acquire(newKey(), LockMode.EX, Duration.ofSeconds(5));
			await().atMost(leaseTime().multipliedBy(2))
				.until(() -> holder.backend()
					.renewals()
					.stream()
					.filter((renewal) -> renewal.sentAt() > healedAt && renewal.succeeded())
					.count() >= 2);
			assertThat(another.isValid()).isTrue();
			another.release();
			assertThat(holder.backend().renewals())
				.filteredOn((renewal) -> renewal.sentAt() > healedAt)
				.allSatisfy((renewal) -> assertThat(renewal.covers(key, held.fencingToken())).as("%s", renewal).isFalse());
		}

		@Test
		void waitingRequestOfACrashedClientStopsBlockingWithinALease() throws Exception {
			LockManager holder = newManager();
			Client crashingWaiter = newClient();
			LockManager reader = newManager();
			String key = newKey();
			LockHandle read = holder.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			crashingWaiter.manager().acquireAsync(key, LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(60)));
			awaitGrantable(reader, key, LockMode.PR, false);
			crashingWaiter.backend().cut();
			LockHandle secondRead = reader.acquire(key, LockMode.PR,
					leaseTime().plus(renewalInterval()).plus(backendSlack()).plusSeconds(2));
			secondRead.release();
			read.release();
		}

	}

	@Nested
	class Fencing {

		@Test
		void tokensStrictlyIncreaseAcrossHoldersOfOneKey() throws Exception {
			List<LockManager> managers = List.of(newManager(), newManager(), newManager());
			String key = newKey();
			long previous = Long.MIN_VALUE;
			for (int i = 0; i < 12; i++) {
				LockMode mode = (i % 3 == 0) ? LockMode.PW : LockMode.EX;
				LockHandle handle = managers.get(i % 3).acquire(key, mode, Duration.ofSeconds(5));
				assertThat(handle.fencingToken()).isGreaterThan(previous);
				previous = handle.fencingToken();
				handle.release();
			}
		}

		@Test
		void sharedHoldersGetDistinctTokens() throws Exception {
			LockManager first = newManager();
			LockManager second = newManager();
			String key = newKey();
			LockHandle a = first.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			LockHandle b = second.acquire(key, LockMode.PR, Duration.ofSeconds(5));
			assertThat(a.fencingToken()).isNotEqualTo(b.fencingToken());
			a.release();
			b.release();
		}

	}

	@Nested
	class Release {

		@Test
		void releaseIsIdempotentAndFreesTheLock() throws Exception {
			LockManager first = newManager();
			LockManager second = newManager();
			String key = newKey();
			LockHandle handle = first.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			handle.release();
			handle.release();
			handle.close();
			assertThat(handle.isValid()).isFalse();
			assertThatThrownBy(handle::ensureValid).isInstanceOf(LockLostException.class);
			LockHandle next = second.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			next.release();
		}

		@Test
		void anAsyncAcquireCompletesOnTheCallbackExecutorNeverOnTheClientsThreads() throws Exception {
			LockManager holder = newManager();
			LockManager waiter = newManager();
			String key = newKey();
			LockHandle held = holder.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			CompletableFuture<Thread> completedOn = waiter
				.acquireAsync(key, LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(10)))
				.thenApply((handle) -> {
					handle.release();
					return Thread.currentThread();
				});
			held.release();
			assertThat(completedOn.get(10, TimeUnit.SECONDS).getName())
				.as("the default callback executor, dlock's worker thread")
				.startsWith("dlock-worker-");
		}

		@Test
		void aTryRightAfterAReleaseByTheSameManagerNeverMeetsTheReleasedEntry() {
			LockManager manager = newManager();
			String key = newKey();
			for (int i = 0; i < 50; i++) {
				Optional<LockHandle> handle = manager.tryAcquire(key, LockMode.EX);
				assertThat(handle).as("try %d right after the release before it", i).isPresent();
				handle.get().release();
			}
		}

		@Test
		void removalByAnotherOwnerIdLeavesTheGrantAndRemovalIsIdempotent() throws Exception {
			LockBackend backend = track(createBackend());
			LockSession session = track(backend.openSession(leaseTime()));
			String key = newKey();
			AcquireRequest owner = new AcquireRequest(key, LockMode.EX, "owner-" + UUID.randomUUID(), false);
			assertThat(session.enqueue(owner).get(5, TimeUnit.SECONDS).state()).isEqualTo(QueueState.GRANTED);
			session.remove(new AcquireRequest(key, LockMode.EX, "intruder-" + UUID.randomUUID(), false))
				.get(5, TimeUnit.SECONDS);
			AcquireRequest probe = new AcquireRequest(key, LockMode.CR, "probe-" + UUID.randomUUID(), false);
			assertThat(session.enqueue(probe).get(5, TimeUnit.SECONDS).state()).isEqualTo(QueueState.REJECTED);
			session.remove(owner).get(5, TimeUnit.SECONDS);
			session.remove(owner).get(5, TimeUnit.SECONDS);
			EnqueueResult afterRemoval = session.enqueue(probe).get(5, TimeUnit.SECONDS);
			assertThat(afterRemoval.state()).isEqualTo(QueueState.GRANTED);
			session.remove(probe).get(5, TimeUnit.SECONDS);
		}

		@Test
		void aHandleCanBeReleasedFromAnotherThread() throws Exception {
			LockManager first = newManager();
			LockManager second = newManager();
			String key = newKey();
			LockHandle handle = first.acquire(key, LockMode.EX, Duration.ofSeconds(5));
			CompletableFuture.runAsync(handle::release).get(5, TimeUnit.SECONDS);
			second.acquire(key, LockMode.EX, Duration.ofSeconds(5)).release();
			// the first thread no longer holds it either
			first.acquire(key, LockMode.EX, Duration.ofSeconds(5)).release();
		}

		@Test
		void closingTheManagerReleasesHeldLocksAndCancelsWaits() throws Exception {
			Client closing = newClient();
			LockManager other = newManager();
			String held = newKey();
			String busy = newKey();
			LockHandle blocker = other.acquire(busy, LockMode.EX, Duration.ofSeconds(5));
			closing.manager().acquire(held, LockMode.EX, Duration.ofSeconds(5));
			CompletableFuture<LockHandle> waiting = closing.manager().acquireAsync(busy, LockMode.EX,
					LockOptions.waitTime(Duration.ofSeconds(30)));
			closing.manager().close();
			assertThat(waiting).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class);
			other.acquire(held, LockMode.EX, Duration.ofSeconds(5)).release();
			assertThatExceptionOfType(LockBackendException.class)
				.isThrownBy(() -> closing.manager().tryAcquire(newKey(), LockMode.EX));
			blocker.release();
		}

	}

	@Nested
	class Keys {

		@Test
		void hostileKeysNeverCollide() {
			LockManager holder = newManager();
			LockManager other = newManager();
			String base = UUID.randomUUID().toString();
			List<String> keys = List.of(base + "a.b", base + "a_b", base + "a*", base + "a>", base + "a/b",
					base + "a/", base + "a", base + "{x}", base + "{x}y", base + "x y", base + "x\ty",
					base + "ключ", base + "鍵🔒", base + ":", base + "%2F", base + "\u0000", "a".repeat(980) + base,
					"a".repeat(979) + base);
			List<LockHandle> handles = new ArrayList<>();
			for (String key : keys) {
				handles.add(holder.tryAcquire(key, LockMode.EX).orElseThrow(() -> new AssertionError(key)));
			}
			for (String key : keys) {
				assertThat(other.tryAcquire(key, LockMode.CR)).as(key).isEmpty();
			}
			handles.forEach(LockHandle::release);
		}

		@Test
		void invalidKeysAreRejectedClearly() {
			LockManager manager = newManager();
			assertThatExceptionOfType(InvalidLockRequestException.class)
				.isThrownBy(() -> manager.tryAcquire("", LockMode.EX))
				.withMessageContaining("'key'");
			assertThatExceptionOfType(InvalidLockRequestException.class)
				.isThrownBy(() -> manager.tryAcquire("x".repeat(1025), LockMode.EX))
				.withMessageContaining("1024");
		}

		@Test
		void malformedUtf16KeysAreRejectedInsteadOfSharingALock() throws Exception {
			LockManager manager = newManager();
			String base = UUID.randomUUID().toString();
			// UTF-8 cannot encode a lone surrogate and would turn each of these into the
			// same '?': the thread holding '?' would then wait for itself
			try (LockHandle question = manager.acquire(base + "?", LockMode.EX, Duration.ofSeconds(5))) {
				for (String lone : List.of("\uD800", "\uDBFF", "\uDC00", "\uDC00\uD800", "x\uD800y")) {
					assertThatExceptionOfType(InvalidLockRequestException.class).as(lone)
						.isThrownBy(() -> manager.acquire(base + lone, LockMode.EX, Duration.ofSeconds(5)))
						.withMessageContaining("surrogate");
				}
				assertThat(question.isValid()).isTrue();
			}
			manager.tryAcquire(base + "\uD83D\uDD12", LockMode.EX).orElseThrow().release();
		}

		@Test
		void manyDistinctKeysCanBeHeldAtOnce() throws Exception {
			LockManager holder = newManager();
			LockManager other = newManager();
			String base = newKey() + ":";
			int count = manyKeysCount();
			List<LockHandle> handles = new ArrayList<>(count);
			int batch = 100;
			for (int start = 0; start < count; start += batch) {
				List<CompletableFuture<LockHandle>> pending = new ArrayList<>();
				for (int i = start; i < Math.min(count, start + batch); i++) {
					pending.add(holder.acquireAsync(base + i, LockMode.EX, LockOptions.noWait()));
				}
				for (CompletableFuture<LockHandle> future : pending) {
					handles.add(future.get(30, TimeUnit.SECONDS));
				}
			}
			assertThat(handles).hasSize(count).allMatch(LockHandle::isValid);
			for (int i = 0; i < count; i += count / 20) {
				assertThat(other.tryAcquire(base + i, LockMode.CR)).isEmpty();
			}
			handles.forEach(LockHandle::release);
			// 10,000 removals at once can make a server shed load for a moment (etcd: "too
			// many requests"); the claim is that the keys become free
			await().atMost(Duration.ofSeconds(30))
				.ignoreExceptionsInstanceOf(LockBackendException.class)
				.until(() -> other.tryAcquire(base + (count - 1), LockMode.EX).map((h) -> {
					h.release();
					return true;
				}).orElse(false));
		}

	}

	/**
	 * How many times each of 8 threads of one manager takes the exclusive lock in the
	 * one-manager overlap check.
	 * @return 100 by default
	 */
	protected int exclusiveIterationsPerThread() {
		return 100;
	}

	@Nested
	class Concurrency {

		@Test
		void threadsOfOneManagerNeverHoldAnExclusiveLockTogether() throws Exception {
			LockManager manager = newManager();
			String key = newKey();
			AtomicInteger inside = new AtomicInteger();
			AtomicInteger overlaps = new AtomicInteger();
			int[] counter = new int[1];
			int threads = 8;
			int iterations = exclusiveIterationsPerThread();
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			try {
				List<Future<?>> workers = new ArrayList<>();
				for (int t = 0; t < threads; t++) {
					workers.add(pool.submit(() -> {
						for (int i = 0; i < iterations; i++) {
							try (LockHandle handle = manager.acquire(key, LockMode.EX, Duration.ofSeconds(30))) {
								if (inside.incrementAndGet() > 1) {
									overlaps.incrementAndGet();
								}
								int before = counter[0];
								Thread.yield();
								counter[0] = before + 1;
								inside.decrementAndGet();
							}
						}
						return null;
					}));
				}
				for (Future<?> worker : workers) {
					worker.get(120, TimeUnit.SECONDS);
				}
			}
			finally {
				pool.shutdownNow();
			}
			assertThat(overlaps).hasValue(0);
			assertThat(counter[0]).isEqualTo(threads * iterations);
		}

		@Test
		void fuzzedHistoryHasNoConflictingOverlapsAndTokensFollowRealTime() throws Exception {
			List<LockManager> managers = List.of(newManager(), newManager(), newManager());
			List<String> keys = List.of(newKey(), newKey());
			History history = new History();
			int threads = 6;
			int iterations = 150;
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			try {
				List<Future<?>> workers = new ArrayList<>();
				for (int t = 0; t < threads; t++) {
					LockManager manager = managers.get(t % managers.size());
					workers.add(pool.submit(() -> {
						ThreadLocalRandom random = ThreadLocalRandom.current();
						for (int i = 0; i < iterations; i++) {
							String key = keys.get(random.nextInt(keys.size()));
							LockMode mode = LockMode.values()[random.nextInt(LockMode.values().length)];
							try (LockHandle handle = manager.acquire(key, mode, Duration.ofSeconds(10))) {
								long start = System.nanoTime();
								Thread.onSpinWait();
								long end = System.nanoTime();
								// a holder that was paused past its lease knows it: its grant no longer counts
								if (handle.isValid()) {
									history.record(key, mode, handle.fencingToken(), start, end);
								}
							}
						}
						return null;
					}));
				}
				for (Future<?> worker : workers) {
					worker.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				pool.shutdownNow();
			}
			assertThat(history.size()).as("grants still valid when released").isGreaterThan(threads * iterations / 2);
			assertThat(history.conflictingOverlaps()).isEmpty();
			assertThat(history.tokenOrderViolations()).isEmpty();
		}

	}

}
