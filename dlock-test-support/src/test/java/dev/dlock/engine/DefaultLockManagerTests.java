package dev.dlock.engine;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.tck.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The engine on the in-memory backend with time that only the test moves, so lease
 * bounds are checked exactly and nothing sleeps.
 */
class DefaultLockManagerTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private final ManualTime time = new ManualTime();

	private final InMemoryLockBackend server = InMemoryLockBackend.builder().timeSource(this.time).build();

	private final List<LockManager> managers = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(LockManager::close);
	}

	private LockManager manager(CuttableBackend backend) {
		return manager(backend, Runnable::run);
	}

	private LockManager manager(CuttableBackend backend, Executor callbacks) {
		LockManager manager = LockManagerBuilder.forBackend(backend)
			.leaseTime(LEASE)
			.timeSource(this.time)
			.callbackExecutor(callbacks)
			.closeTimeout(Duration.ofMillis(10))
			.build();
		this.managers.add(manager);
		return manager;
	}

	private LockManager manager() {
		return manager(new CuttableBackend(this.server));
	}

	@Test
	void renewalKeepsALockAliveForManyLeaseTimes() {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		this.time.advance(LEASE.multipliedBy(10));
		assertThat(held.isValid()).isTrue();
		assertThat(manager().tryAcquire("k", LockMode.CR)).isEmpty();
	}

	@Test
	void aHolderCutOffTurnsInvalidExactlyOneLeaseAfterItsLastRenewalWasSentAndIsTold() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockHandle held = manager(client).tryAcquire("k", LockMode.EX).orElseThrow();
		List<LockLostException> told = new ArrayList<>();
		held.onLost(told::add);
		this.time.advance(LEASE.dividedBy(3));
		long lastRenewalSent = this.time.nanoTime();
		assertThat(client.renewals()).hasSize(1);
		client.cut();
		this.time.advance(LEASE.minusNanos(1));
		assertThat(held.isValid()).isTrue();
		assertThat(told).isEmpty();
		this.time.advance(Duration.ofNanos(1));
		assertThat(this.time.nanoTime() - lastRenewalSent).isEqualTo(LEASE.toNanos());
		assertThat(held.isValid()).isFalse();
		assertThat(told).singleElement().satisfies((loss) -> assertThat(loss).hasMessageContaining("'k'"));
	}

	@Test
	void aCrashedHoldersLockIsFreeOnceItsLeaseRunsOut() {
		CuttableBackend crashing = new CuttableBackend(this.server);
		manager(crashing).tryAcquire("k", LockMode.EX).orElseThrow();
		LockManager other = manager();
		crashing.cut();
		CompletableFuture<LockHandle> next = other.acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(LEASE.multipliedBy(2)));
		this.time.advance(LEASE.minusSeconds(1));
		assertThat(next).isNotDone();
		this.time.advance(Duration.ofSeconds(2));
		assertThat(next).isCompleted();
		assertThat(next.join().isValid()).isTrue();
	}

	@Test
	void aWaitingRequestTimesOutAtItsWaitTimeAndLeavesNoTrace() {
		LockManager holder = manager();
		LockHandle read = holder.tryAcquire("k", LockMode.PR).orElseThrow();
		CompletableFuture<LockHandle> write = manager().acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(5)));
		this.time.advance(Duration.ofMillis(4999));
		assertThat(write).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(write).failsWithin(Duration.ZERO)
			.withThrowableOfType(Exception.class)
			.withCauseInstanceOf(LockAcquisitionTimeoutException.class);
		assertThat(manager().tryAcquire("k", LockMode.PR)).isPresent();
		read.release();
	}

	@Test
	void aFailedReleaseIsRetriedInTheBackgroundUntilConfirmed() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockHandle held = manager(client).tryAcquire("k", LockMode.EX).orElseThrow();
		client.cut();
		held.release();
		assertThat(held.isValid()).isFalse();
		LockManager other = manager();
		assertThat(other.tryAcquire("k", LockMode.EX)).isEmpty();
		client.heal();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(other.tryAcquire("k", LockMode.EX)).isPresent();
	}

	@Test
	void releaseStopsRenewalAtOnce() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockManager manager = manager(client);
		LockHandle held = manager.tryAcquire("k", LockMode.EX).orElseThrow();
		held.release();
		this.time.advance(LEASE);
		assertThat(client.renewals()).isEmpty();
	}

	@Test
	void waitersAreWokenByTheReleaseWithoutWaitingForARecheck() {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		CompletableFuture<LockHandle> waiter = manager().acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(10)));
		held.release();
		assertThat(waiter).isCompleted();
	}

	@Test
	void reentrantHoldsNeedAsManyReleases() {
		LockManager manager = manager();
		LockHandle first = manager.tryAcquire("k", LockMode.PW).orElseThrow();
		LockHandle second = manager.tryAcquire("k", LockMode.CR).orElseThrow();
		LockHandle third = manager.tryAcquire("k", LockMode.PR).orElseThrow();
		assertThat(List.of(second.fencingToken(), third.fencingToken())).containsOnly(first.fencingToken());
		first.release();
		second.release();
		assertThat(manager().tryAcquire("k", LockMode.PR)).isEmpty();
		third.release();
		assertThat(manager().tryAcquire("k", LockMode.EX)).isPresent();
	}

	@Test
	void lossListenersRunOnceAndAlsoWhenRegisteredLate() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockHandle held = manager(client).tryAcquire("k", LockMode.EX).orElseThrow();
		AtomicInteger calls = new AtomicInteger();
		held.onLost((loss) -> calls.incrementAndGet());
		client.cut();
		this.time.advance(LEASE.multipliedBy(3));
		held.onLost((loss) -> calls.incrementAndGet());
		assertThat(calls).hasValue(2);
	}

	@Test
	void sessionsArePerLeaseTime() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockManager manager = manager(client);
		LockHandle shortLease = manager
			.tryAcquire("short", LockMode.EX, LockOptions.noWait().withLeaseTime(Duration.ofSeconds(3)))
			.orElseThrow();
		LockHandle defaultLease = manager.tryAcquire("default", LockMode.EX).orElseThrow();
		client.cut();
		this.time.advance(Duration.ofSeconds(5));
		assertThat(shortLease.isValid()).isFalse();
		assertThat(defaultLease.isValid()).isTrue();
	}

	@Test
	void aSignalFromInsideWatchIsActedOnAfterTheSubscriptionIsInPlaceAndItIsClosed() throws Exception {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		AtomicInteger openSubscriptions = new AtomicInteger();
		// a backend whose watch() sees the blocker go and signals before it returns
		LockBackend releasingOnWatch = forwarding(this.server, LockBackend.class, (backend, method, args) -> {
			Object result = method.invoke(backend, args);
			if (!method.getName().equals("openSession")) {
				return result;
			}
			return forwarding((LockSession) result, LockSession.class, (session, sessionMethod, sessionArgs) -> {
				if (!sessionMethod.getName().equals("watch")) {
					return sessionMethod.invoke(session, sessionArgs);
				}
				held.release();
				openSubscriptions.incrementAndGet();
				Subscription subscription = (Subscription) sessionMethod.invoke(session, sessionArgs);
				return (Subscription) () -> {
					openSubscriptions.decrementAndGet();
					subscription.close();
				};
			});
		});
		CompletableFuture<LockHandle> waiter = manager(new CuttableBackend(releasingOnWatch)).acquireAsync("k",
				LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(10)));
		assertThat(waiter).isCompleted();
		assertThat(openSubscriptions).hasValue(0);
	}

	@Test
	void aRenewalRoundThatOutlastsThePeriodIsFollowedAtOnceByAnotherForTheEntriesItMissed() {
		List<CompletableFuture<Void>> heldBack = new ArrayList<>();
		// a backend whose renewals complete only when the test says so
		LockBackend slowRenewals = forwarding(this.server, LockBackend.class, (backend, method, args) -> {
			Object result = method.invoke(backend, args);
			if (!method.getName().equals("openSession")) {
				return result;
			}
			return forwarding((LockSession) result, LockSession.class, (session, sessionMethod, sessionArgs) -> {
				Object reply = sessionMethod.invoke(session, sessionArgs);
				if (!sessionMethod.getName().equals("renew")) {
					return reply;
				}
				CompletableFuture<Void> gate = new CompletableFuture<>();
				heldBack.add(gate);
				return gate.thenCompose((ignored) -> (CompletableFuture<?>) reply);
			});
		});
		LockManager manager = manager(new CuttableBackend(slowRenewals));
		manager.tryAcquire("first", LockMode.EX).orElseThrow();
		this.time.advance(LEASE.dividedBy(3));
		assertThat(heldBack).hasSize(1);
		LockHandle second = manager.tryAcquire("second", LockMode.EX).orElseThrow();
		this.time.advance(LEASE.dividedBy(3).plusSeconds(5));
		assertThat(heldBack).as("the tick skips while a round is under way").hasSize(1);
		heldBack.get(0).complete(null);
		assertThat(heldBack).as("the entry the slow round missed is renewed at once").hasSize(2);
		heldBack.get(1).complete(null);
		this.time.advance(LEASE.minusSeconds(1));
		assertThat(second.isValid()).isTrue();
	}

	@Test
	void anAsyncAcquireDecidedLaterCompletesOnTheCallbackExecutorNotOnTheDecidingThread() {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		List<Runnable> callbacks = new ArrayList<>();
		CompletableFuture<LockHandle> handle = manager(new CuttableBackend(this.server), callbacks::add)
			.acquireAsync("k", LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(5)));
		held.release();
		assertThat(handle).as("granted on the releasing thread, not yet handed over").isNotDone();
		callbacks.forEach(Runnable::run);
		assertThat(handle).isCompleted();
	}

	@Test
	void anAsyncAcquireDecidedAtOnceCompletesOnTheCallersThread() {
		CompletableFuture<LockHandle> handle = manager(new CuttableBackend(this.server), (task) -> {
			throw new AssertionError("no hand-over expected");
		}).acquireAsync("k", LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(5)));
		assertThat(handle).isCompleted();
	}

	@Test
	void anAsyncAcquireCancelledAfterItsGrantReleasesTheLock() {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		List<Runnable> callbacks = new ArrayList<>();
		CompletableFuture<LockHandle> handle = manager(new CuttableBackend(this.server), callbacks::add)
			.acquireAsync("k", LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(5)));
		held.release();
		assertThat(manager().tryAcquire("k", LockMode.EX)).as("granted").isEmpty();
		handle.cancel(false);
		callbacks.forEach(Runnable::run);
		assertThat(manager().tryAcquire("k", LockMode.EX)).as("released, since nobody holds its handle").isPresent();
	}

	@Test
	void aWaiterWhoseEntryWasLostIsStillWokenWhenASignalCameBeforeItsNewEnqueueWasAnswered() {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		LostEntryBackend backend = new LostEntryBackend();
		CompletableFuture<LockHandle> waiter = manager(new CuttableBackend(backend.proxy))
			.acquireAsync("k", LockMode.EX, LockOptions.waitTime(Duration.ofMinutes(5)));
		Runnable firstWatch = backend.watchers.get(0);
		backend.loseNextPoll = true;
		firstWatch.run(); // the poll answers GONE: the waiter enqueues again, held back
		assertThat(backend.heldBackEnqueues).hasSize(1);
		firstWatch.run(); // a signal before the new enqueue is answered
		backend.heldBackEnqueues.get(0).complete(null);
		held.release();
		this.time.advance(Duration.ofSeconds(2)); // past the re-check bound of 1 s
		assertThat(waiter).as("woken by the release or the re-check, not stranded").isCompleted();
		assertThat(waiter.join().isValid()).isTrue();
	}

	@Test
	void aSessionIdleForThreeLeaseTimesIsClosedAndANewRequestOpensAnother() {
		List<Duration> opened = new ArrayList<>();
		List<Duration> closed = new ArrayList<>();
		LockBackend counted = forwarding(this.server, LockBackend.class, (backend, method, args) -> {
			Object result = method.invoke(backend, args);
			if (!method.getName().equals("openSession")) {
				return result;
			}
			opened.add((Duration) args[0]);
			return forwarding((LockSession) result, LockSession.class, (session, sessionMethod, sessionArgs) -> {
				if (sessionMethod.getName().equals("close")) {
					closed.add(session.leaseTime());
				}
				return sessionMethod.invoke(session, sessionArgs);
			});
		});
		LockManager manager = manager(new CuttableBackend(counted));
		LockOptions shortLease = LockOptions.noWait().withLeaseTime(Duration.ofSeconds(3));
		LockHandle held = manager.tryAcquire("held", LockMode.EX).orElseThrow();
		manager.tryAcquire("brief", LockMode.EX, shortLease).orElseThrow().release();
		this.time.advance(Duration.ofSeconds(8));
		assertThat(closed).as("idle for less than three lease times").isEmpty();
		this.time.advance(Duration.ofSeconds(3));
		assertThat(closed).containsExactly(Duration.ofSeconds(3));
		this.time.advance(LEASE.multipliedBy(4));
		assertThat(closed).as("the session of a held lock is never idle").containsExactly(Duration.ofSeconds(3));
		assertThat(held.isValid()).isTrue();
		LockHandle again = manager.tryAcquire("brief", LockMode.EX, shortLease).orElseThrow();
		assertThat(opened).containsExactly(LEASE, Duration.ofSeconds(3), Duration.ofSeconds(3));
		this.time.advance(Duration.ofSeconds(20));
		assertThat(again.isValid()).as("renewed by the new session").isTrue();
	}

	@Test
	void aRequestStartedWhileTheManagerClosesIsRefusedOrAbortedAndHoldsNothing() throws Exception {
		for (int round = 0; round < 200; round++) {
			LockManager closing = manager();
			String key = "k" + round;
			CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
			CompletableFuture<LockHandle> request;
			try {
				request = closing.acquireAsync(key, LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(5)));
			}
			catch (LockBackendException refused) {
				request = CompletableFuture.failedFuture(refused);
			}
			closed.get(5, java.util.concurrent.TimeUnit.SECONDS);
			if (request.isDone() && !request.isCompletedExceptionally()) {
				assertThat(request.join().isValid()).as("a handle granted by a closed manager").isFalse();
			}
			assertThat(manager().tryAcquire(key, LockMode.EX)).as("round %d: left held", round).isPresent();
		}
	}

	/**
	 * The in-memory server behind a client that can lose a waiting entry on the server
	 * (its next poll answers GONE), holds back the enqueue that follows, and records the
	 * change listeners given to watch.
	 */
	private final class LostEntryBackend {

		final List<Runnable> watchers = new ArrayList<>();

		final List<CompletableFuture<Void>> heldBackEnqueues = new ArrayList<>();

		final List<AcquireRequest> enqueued = new ArrayList<>();

		boolean loseNextPoll;

		final LockBackend proxy = forwarding(DefaultLockManagerTests.this.server, LockBackend.class,
				(backend, method, args) -> {
					Object result = method.invoke(backend, args);
					if (!method.getName().equals("openSession")) {
						return result;
					}
					return forwarding((LockSession) result, LockSession.class, this::call);
				});

		private Object call(LockSession session, Method method, Object[] args) throws Exception {
			switch (method.getName()) {
				case "watch" -> this.watchers.add((Runnable) args[1]);
				case "poll" -> {
					if (this.loseNextPoll) {
						this.loseNextPoll = false;
						session.remove(this.enqueued.get(this.enqueued.size() - 1)).join();
						return CompletableFuture.completedFuture(QueueState.GONE);
					}
				}
				case "enqueue" -> {
					this.enqueued.add((AcquireRequest) args[0]);
					if (this.enqueued.size() > 1) {
						CompletableFuture<Void> gate = new CompletableFuture<>();
						this.heldBackEnqueues.add(gate);
						return gate.thenCompose((reached) -> invoke(method, session, args));
					}
				}
				default -> {
				}
			}
			return method.invoke(session, args);
		}

		private static CompletableFuture<?> invoke(Method method, LockSession session, Object[] args) {
			try {
				return (CompletableFuture<?>) method.invoke(session, args);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

	@Test
	void onABackendWhoseCallsMayOvertakeEachOtherANewRequestWaitsForTheOwnRemovalOfItsKey() {
		HeldBackRemovals backend = new HeldBackRemovals();
		LockManager manager = manager(new CuttableBackend(backend.proxy));
		manager.tryAcquire("k", LockMode.EX).orElseThrow().release();
		CompletableFuture<LockHandle> next = manager.acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(10)));
		assertThat(backend.enqueued).as("held back behind the removal").containsExactly("k");
		manager.tryAcquire("other", LockMode.EX).orElseThrow();
		assertThat(backend.enqueued).as("other keys are not held back").containsExactly("k", "other");
		backend.removals.get(0).complete(null);
		assertThat(backend.enqueued).containsExactly("k", "other", "k");
		assertThat(next).as("granted by its enqueue, never queued behind the old entry").isCompleted();
	}

	@Test
	void aNewRequestWaitsOnlyForTheFirstAttemptOfAFailingRemoval() {
		HeldBackRemovals backend = new HeldBackRemovals();
		LockManager manager = manager(new CuttableBackend(backend.proxy));
		manager.tryAcquire("k", LockMode.EX).orElseThrow().release();
		CompletableFuture<LockHandle> next = manager.acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(10)));
		backend.removals.get(0).completeExceptionally(new IllegalStateException("connection reset"));
		assertThat(backend.enqueued).as("sent after the failed attempt").containsExactly("k", "k");
		assertThat(next).as("the old entry is still there").isNotDone();
		this.time.advance(Duration.ofSeconds(1));
		backend.removals.get(1).complete(null);
		assertThat(next).as("the retried removal lets it through").isCompleted();
	}

	@Test
	void onABackendWithOrderedCallsANewRequestIsSentAtOnce() {
		HeldBackRemovals backend = new HeldBackRemovals(BackendCapability.OWN_REMOVALS_FIRST);
		LockManager manager = manager(new CuttableBackend(backend.proxy));
		manager.tryAcquire("k", LockMode.EX).orElseThrow().release();
		manager.acquireAsync("k", LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(10)));
		assertThat(backend.enqueued).containsExactly("k", "k");
	}

	@Test
	void anIdleSessionOnASessionLeaseIsRenewedWithNoEntriesOtherSessionsAreNot() {
		List<Integer> sessionLeaseRenewals = new ArrayList<>();
		List<Integer> entryLeaseRenewals = new ArrayList<>();
		manager(new CuttableBackend(renewalsCounted(sessionLeaseRenewals, BackendCapability.SESSION_LEASE)))
			.tryAcquire("k", LockMode.EX).orElseThrow().release();
		manager(new CuttableBackend(renewalsCounted(entryLeaseRenewals))).tryAcquire("k", LockMode.EX)
			.orElseThrow()
			.release();
		this.time.advance(LEASE);
		assertThat(sessionLeaseRenewals).containsExactly(0, 0, 0);
		assertThat(entryLeaseRenewals).isEmpty();
	}

	/** The in-memory server behind a client that records the size of every renewal. */
	private LockBackend renewalsCounted(List<Integer> sizes, BackendCapability... capabilities) {
		return forwarding(this.server, LockBackend.class, (backend, method, args) -> {
			if (method.getName().equals("capabilities")) {
				return Set.of(capabilities);
			}
			Object result = method.invoke(backend, args);
			if (!method.getName().equals("openSession")) {
				return result;
			}
			return forwarding((LockSession) result, LockSession.class, (session, sessionMethod, sessionArgs) -> {
				if (sessionMethod.getName().equals("renew")) {
					sizes.add(((Collection<?>) sessionArgs[0]).size());
				}
				return sessionMethod.invoke(session, sessionArgs);
			});
		});
	}

	/**
	 * The in-memory server behind a client whose removals reach it only when the test
	 * completes them, and which records the key of every enqueue.
	 */
	private final class HeldBackRemovals {

		final List<CompletableFuture<Void>> removals = new ArrayList<>();

		final List<String> enqueued = new ArrayList<>();

		final LockBackend proxy;

		HeldBackRemovals(BackendCapability... capabilities) {
			this.proxy = forwarding(DefaultLockManagerTests.this.server, LockBackend.class, (backend, method, args) -> {
				if (method.getName().equals("capabilities")) {
					return Set.of(capabilities);
				}
				Object result = method.invoke(backend, args);
				if (!method.getName().equals("openSession")) {
					return result;
				}
				return forwarding((LockSession) result, LockSession.class, this::call);
			});
		}

		private Object call(LockSession session, Method method, Object[] args) throws Exception {
			if (method.getName().equals("enqueue")) {
				this.enqueued.add(((AcquireRequest) args[0]).key());
			}
			if (!method.getName().equals("remove")) {
				return method.invoke(session, args);
			}
			CompletableFuture<Void> gate = new CompletableFuture<>();
			this.removals.add(gate);
			return gate.thenCompose((reached) -> {
				try {
					return (CompletableFuture<?>) method.invoke(session, args);
				}
				catch (ReflectiveOperationException ex) {
					throw new IllegalStateException(ex);
				}
			});
		}

	}

	@SuppressWarnings("unchecked")
	private static <T> T forwarding(T target, Class<T> type, Forwarder<T> forwarder) {
		return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
			try {
				return forwarder.call(target, method, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getCause();
			}
		});
	}

	@FunctionalInterface
	private interface Forwarder<T> {

		Object call(T target, Method method, Object[] args) throws Exception;

	}

	@Test
	void locksListsHeldWaitingAndLostLocksWithAgeAndLeaseLeft() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockManager manager = manager(client);
		LockHandle held = manager.tryAcquire("held", LockMode.PW).orElseThrow();
		manager().tryAcquire("busy", LockMode.EX).orElseThrow();
		manager.acquireAsync("busy", LockMode.PR, LockOptions.waitTime(Duration.ofMinutes(5)));
		this.time.advance(Duration.ofSeconds(4));
		assertThat(manager.locks()).containsExactlyInAnyOrder(
				new LockInfo("held", LockMode.PW, LockInfo.State.HELD, held.fencingToken(), Duration.ofSeconds(4),
						LEASE.minusSeconds(4)),
				new LockInfo("busy", LockMode.PR, LockInfo.State.WAITING, null, Duration.ofSeconds(4),
						LEASE.minusSeconds(4)));
		client.cut();
		this.time.advance(LEASE);
		assertThat(manager.locks()).extracting(LockInfo::key, LockInfo::state, LockInfo::leaseLeft)
			.contains(tuple("held", LockInfo.State.LOST, Duration.ZERO));
		held.release();
		assertThat(manager.locks()).extracting(LockInfo::key).doesNotContain("held");
	}

	@Test
	void locksShowsAPendingConversionWithTheModeAndTokenStillGranted() {
		LockManager manager = manager();
		LockHandle converting = manager.tryAcquire("page", LockMode.PR).orElseThrow();
		LockHandle reader = manager().tryAcquire("page", LockMode.PR).orElseThrow();
		long readToken = converting.fencingToken();
		CompletableFuture<LockHandle> upgrade = converting.convertAsync(LockMode.PW,
				LockOptions.waitTime(Duration.ofMinutes(1)));
		assertThat(upgrade).isNotDone();
		assertThat(manager.locks()).singleElement().satisfies((lock) -> {
			assertThat(lock.mode()).isEqualTo(LockMode.PR);
			assertThat(lock.state()).isEqualTo(LockInfo.State.HELD);
			assertThat(lock.fencingToken()).isEqualTo(readToken);
			assertThat(lock.convertingTo()).isEqualTo(LockMode.PW);
		});
		reader.release();
		assertThat(upgrade).isCompleted();
		assertThat(manager.locks()).singleElement().satisfies((lock) -> {
			assertThat(lock.mode()).isEqualTo(LockMode.PW);
			assertThat(lock.fencingToken()).isEqualTo(converting.fencingToken()).isGreaterThan(readToken);
			assertThat(lock.convertingTo()).isNull();
		});
	}

	@Test
	void builderRejectsBadSettingsWithTheirNames() {
		assertThatIllegalArgumentException().isThrownBy(() -> LockManagerBuilder.forBackend(this.server).leaseTime(Duration.ZERO))
			.withMessageContaining("'leaseTime'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> LockManagerBuilder.forBackend(this.server)
				.leaseTime(Duration.ofSeconds(1))
				.renewalInterval(Duration.ofSeconds(1))
				.build())
			.withMessageContaining("'renewalInterval'");
		assertThatIllegalArgumentException().isThrownBy(() -> LockOptions.waitTime(Duration.ofSeconds(-1)))
			.withMessageContaining("'waitTime'");
	}

}
