package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import dev.dlock.testserver.EtcdServer;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.dlock.backend.Delegation.call;
import static dev.dlock.backend.Delegation.proxy;
import static dev.dlock.backend.etcd.EtcdTestSupport.LEASE;
import static dev.dlock.backend.etcd.EtcdTestSupport.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reading and watching a holder's queue on etcd, for blocking notifications, at the SPI
 * and against a real server: what {@code queue} shows of waiting requests, pending
 * conversions and entries that left, and which changes {@code watchQueue} signals, also
 * for requests of another client, after a watch that etcd ended, and never after close.
 */
class EtcdBlockingQueueIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** Well under the engine's own re-reads: only the watch can signal this fast. */
	private static final Duration SIGNAL = Duration.ofSeconds(3);

	private final EtcdTestSupport support = new EtcdTestSupport();

	/** The holders' backend; the others' requests come through backends of their own. */
	private final EtcdLockBackend backend = this.support.backend(endpoint());

	@AfterEach
	void closeResources() {
		this.support.close();
	}

	private static String endpoint() {
		return EtcdServer.shared().endpoint();
	}

	@Test
	void aHolderSeesALaterConflictingRequestWaitingWithItsModeAndTicket() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.PR);
		QueueEntry reader = hold(otherSession(), key, LockMode.CR);
		QueueEntry writer = waitFor(otherSession(), key, LockMode.EX);
		assertThat(holding.queue(holder).join()).containsExactly(Queued.granted(holder.ticket(), LockMode.PR),
				Queued.granted(reader.ticket(), LockMode.CR), Queued.waiting(writer.ticket(), LockMode.EX));
	}

	@Test
	void aWaitingConversionShowsAsConvertingWithItsTargetAndKeepsItsPlaceInTheConversionQueue() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.CR);
		LockSession first = otherSession();
		QueueEntry earlier = hold(first, key, LockMode.NL);
		LockSession second = otherSession();
		QueueEntry later = hold(second, key, LockMode.NL);
		// asked in the other order than the tickets: EX waits for the holder's CR, and PW
		// for the EX asked before it
		assertThat(second.convert(later, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		assertThat(first.convert(earlier, LockMode.PW, true).join().status()).isEqualTo(Status.WAITING);
		List<Queued> queue = holding.queue(holder).join();
		assertThat(queue).hasSize(3);
		assertThat(queue.get(0)).isEqualTo(Queued.granted(holder.ticket(), LockMode.CR));
		Queued toProtectedWrite = queue.get(1);
		Queued toExclusive = queue.get(2);
		assertThat(toProtectedWrite).extracting(Queued::ticket, Queued::granted, Queued::requested)
			.containsExactly(earlier.ticket(), LockMode.NL, LockMode.PW);
		assertThat(toExclusive).extracting(Queued::ticket, Queued::granted, Queued::requested)
			.containsExactly(later.ticket(), LockMode.NL, LockMode.EX);
		assertThat(toExclusive.conversionOrder()).isLessThan(toProtectedWrite.conversionOrder());
		// a request that joins later changes neither conversion as the engine sees it
		QueueEntry reader = waitFor(otherSession(), key, LockMode.CR);
		assertThat(holding.queue(holder).join()).containsExactly(queue.get(0), toProtectedWrite, toExclusive,
				Queued.waiting(reader.ticket(), LockMode.CR));
	}

	@Test
	void aRemovedRequestDisappearsAndTheQueueOfAGoneEntryIsEmpty() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.PW);
		QueueEntry reader = hold(otherSession(), key, LockMode.CR);
		LockSession waiting = otherSession();
		QueueEntry writer = waitFor(waiting, key, LockMode.EX);
		assertThat(holding.queue(holder).join()).contains(Queued.waiting(writer.ticket(), LockMode.EX));
		waiting.remove(writer.request()).join();
		assertThat(holding.queue(holder).join()).containsExactly(Queued.granted(holder.ticket(), LockMode.PW),
				Queued.granted(reader.ticket(), LockMode.CR));
		holding.remove(holder.request()).join();
		assertThat(holding.queue(holder).join()).as("the reader is still there, the holder is not").isEmpty();
	}

	@Test
	void aRequestWhoseLeaseRanOutDisappears() {
		// the holder's lease outlives the test; the waiter's is never renewed
		LockSession holding = this.support.register(this.backend.openSession(Duration.ofMinutes(1)));
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.EX);
		QueueEntry abandoned = waitFor(otherSession(), key, LockMode.PR);
		assertThat(holding.queue(holder).join()).contains(Queued.waiting(abandoned.ticket(), LockMode.PR));
		// gone within the server TTL (the lease and a third) and etcd's expiry sweep
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(holding.queue(holder).join())
				.containsExactly(Queued.granted(holder.ticket(), LockMode.EX)));
	}

	@Test
	void aRequestOfAnotherClientThatJoinsAndWaitsIsSignalled() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.EX);
		Signals signals = new Signals();
		try (Subscription watch = holding.watchQueue(holder, signals, signals)) {
			int before = signals.afterCreation();
			QueueEntry reader = waitFor(otherSession(), key, LockMode.PR);
			await().atMost(SIGNAL).until(() -> signals.count() > before);
			assertThat(holding.queue(holder).join()).contains(Queued.waiting(reader.ticket(), LockMode.PR));
		}
	}

	@Test
	void aConversionOfAnotherClientThatStartsToWaitIsSignalled() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.PR);
		LockSession converting = otherSession();
		QueueEntry other = hold(converting, key, LockMode.CR);
		Signals signals = new Signals();
		try (Subscription watch = holding.watchQueue(holder, signals, signals)) {
			int before = signals.afterCreation();
			assertThat(converting.convert(other, LockMode.PW, true).join().status()).isEqualTo(Status.WAITING);
			await().atMost(SIGNAL).until(() -> signals.count() > before);
		}
	}

	@Test
	void theRequestAndTheConversionThatStartToWaitAreHandedOverAsTheQueueShowsThem() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.PR);
		LockSession converting = otherSession();
		QueueEntry other = hold(converting, key, LockMode.CR);
		List<Queued> handedOver = new CopyOnWriteArrayList<>();
		Signals signals = new Signals();
		try (Subscription watch = holding.watchQueue(holder, signals, handedOver::add)) {
			signals.afterCreation();
			QueueEntry writer = waitFor(otherSession(), key, LockMode.EX);
			await().atMost(SIGNAL).until(() -> !handedOver.isEmpty());
			assertThat(handedOver).containsExactly(Queued.waiting(writer.ticket(), LockMode.EX));
			assertThat(converting.convert(other, LockMode.PW, true).join().status()).isEqualTo(Status.WAITING);
			await().atMost(SIGNAL).until(() -> handedOver.size() == 2);
			assertThat(holding.queue(holder).join()).containsExactly(Queued.granted(holder.ticket(), LockMode.PR),
					handedOver.get(1), handedOver.get(0));
		}
	}

	@Test
	void aRequestEnqueuedBeforeEtcdCreatedTheWatchIsSeenByAReadAfterASignal() {
		RecordingWatches watches = new RecordingWatches(this.support.client(endpoint()));
		LockSession holding = this.support.register(this.support.backend(watches.client()).openSession(LEASE));
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.EX);
		Signals signals = new Signals();
		watches.holdBack();
		try (Subscription watch = holding.watchQueue(holder, signals, signals)) {
			// the watch reaches etcd late, as over a slow stream: it starts after this request
			QueueEntry writer = waitFor(otherSession(), key, LockMode.PW);
			watches.letThrough();
			await().atMost(SIGNAL).until(() -> signals.count() > 0);
			assertThat(holding.queue(holder).join()).contains(Queued.waiting(writer.ticket(), LockMode.PW));
		}
	}

	@Test
	void removalsAndGrantsThatStartNoWaitAreNotSignalled() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.PR);
		LockSession converting = otherSession();
		QueueEntry other = hold(converting, key, LockMode.CR);
		LockSession waiting = otherSession();
		QueueEntry writer = waitFor(waiting, key, LockMode.EX);
		Signals signals = new Signals();
		try (Subscription watch = holding.watchQueue(holder, signals, signals)) {
			int before = signals.afterCreation();
			// a down-conversion is granted at once and flags the waiter; a removal deletes
			assertThat(converting.convert(other, LockMode.NL, false).join().status()).isEqualTo(Status.GRANTED);
			waiting.remove(writer.request()).join();
			await().during(Duration.ofMillis(500)).atMost(SIGNAL).until(() -> signals.count() == before);
		}
	}

	@Test
	void aTryThatWouldWaitIsNeitherShownNorSignalledWhileItsEntryExists() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.PW);
		Signals signals = new Signals();
		HoldingClient slow = new HoldingClient(this.support.client(endpoint()));
		LockSession trying = this.support.register(this.support.backend(slow.client()).openSession(LEASE));
		try (Subscription watch = holding.watchQueue(holder, signals, signals)) {
			int before = signals.afterCreation();
			// the try's entry is created, and its delete held back: it stays in the queue
			slow.holdTransactionAfter(1);
			CompletableFuture<EnqueueResult> tried = trying
				.enqueue(new AcquireRequest(key, LockMode.EX, "owner-" + UUID.randomUUID(), false));
			await().atMost(WAIT).until(slow::isHolding);
			assertThat(holding.queue(holder).join()).containsExactly(Queued.granted(holder.ticket(), LockMode.PW));
			await().during(Duration.ofMillis(500)).atMost(SIGNAL).until(() -> signals.count() == before);
			slow.deliverHeldTransaction();
			assertThat(tried.join().state()).isEqualTo(QueueState.REJECTED);
		}
	}

	@Test
	void aClosedWatchSignalsNoMore() {
		LockSession holding = session();
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.EX);
		Signals control = new Signals();
		Signals closed = new Signals();
		try (Subscription open = holding.watchQueue(holder, control, control)) {
			Subscription watch = holding.watchQueue(holder, closed, closed);
			closed.afterCreation();
			watch.close();
			int closedBefore = closed.count();
			int before = control.afterCreation();
			waitFor(otherSession(), key, LockMode.PR);
			await().atMost(SIGNAL).until(() -> control.count() > before);
			await().during(Duration.ofMillis(500)).atMost(SIGNAL).until(() -> closed.count() == closedBefore);
			// idempotent
			watch.close();
		}
	}

	@Test
	void aWatchThatEtcdEndsIsSignalledAndCreatedAgain() {
		RecordingWatches watches = new RecordingWatches(this.support.client(endpoint()));
		LockSession holding = this.support.register(this.support.backend(watches.client()).openSession(LEASE));
		String key = newKey();
		QueueEntry holder = hold(holding, key, LockMode.EX);
		Signals signals = new Signals();
		try (Subscription watch = holding.watchQueue(holder, signals, signals)) {
			int created = signals.afterCreation();
			assertThat(watches.started()).hasSize(1);
			// as jetcd does after compaction or with no leader: the watch ends for good
			watches.started().get(0).close();
			await().atMost(SIGNAL).until(() -> watches.started().size() == 2 && signals.count() > created + 1);
			int before = signals.count();
			waitFor(otherSession(), key, LockMode.PR);
			await().atMost(SIGNAL).until(() -> signals.count() > before);
		}
		// a watch the subscription closed is not created again
		await().during(Duration.ofMillis(800)).atMost(SIGNAL).until(() -> watches.started().size() == 2);
	}

	private LockSession session() {
		return this.support.register(this.backend.openSession(LEASE));
	}

	/** A session on a backend and client of its own, as another process has. */
	private LockSession otherSession() {
		return this.support.register(this.support.backend(endpoint()).openSession(LEASE));
	}

	private static AcquireRequest request(String key, LockMode mode) {
		return new AcquireRequest(key, mode, "owner-" + UUID.randomUUID(), true);
	}

	private static QueueEntry hold(LockSession session, String key, LockMode mode) {
		EnqueueResult result = session.enqueue(request(key, mode)).join();
		assertThat(result.state()).isEqualTo(QueueState.GRANTED);
		return result.entry();
	}

	private static QueueEntry waitFor(LockSession session, String key, LockMode mode) {
		EnqueueResult result = session.enqueue(request(key, mode)).join();
		assertThat(result.state().status()).isEqualTo(Status.WAITING);
		return result.entry();
	}

	/** Counts signals, and hand-overs as signals (each stands for one). */
	private static final class Signals implements Runnable, Consumer<Queued> {

		private final AtomicInteger count = new AtomicInteger();

		@Override
		public void run() {
			this.count.incrementAndGet();
		}

		@Override
		public void accept(Queued waiting) {
			run();
		}

		int count() {
			return this.count.get();
		}

		/** Waits for the signal of the watch's creation; returns the count after it. */
		int afterCreation() {
			await().atMost(SIGNAL).until(() -> count() > 0);
			return count();
		}

	}

	/**
	 * A client whose watch service records the watches it starts, and can hold their start
	 * back (the call returns at once, the watch reaches etcd when the test lets it).
	 */
	private static final class RecordingWatches {

		private final Client real;

		private final List<Watch.Watcher> started = new CopyOnWriteArrayList<>();

		private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

		RecordingWatches(Client real) {
			this.real = real;
		}

		Client client() {
			return proxy(Client.class, (self, method, args) -> method.getName().equals("getWatchClient")
					? watch(this.real.getWatchClient()) : call(method, this.real, args));
		}

		/** The watches started on etcd, in order. */
		List<Watch.Watcher> started() {
			return this.started;
		}

		/** Holds back the start of the next watches. */
		void holdBack() {
			this.gate = new CompletableFuture<>();
		}

		/** Starts the watches held back, and lets the next ones through. */
		void letThrough() {
			this.gate.complete(null);
		}

		private Watch watch(Watch watch) {
			return proxy(Watch.class, (self, method, args) -> {
				if (!method.getName().equals("watch")) {
					return call(method, watch, args);
				}
				CompletableFuture<Watch.Watcher> watcher = this.gate.thenApply((open) -> {
					try {
						Watch.Watcher started = (Watch.Watcher) call(method, watch, args);
						this.started.add(started);
						return started;
					}
					catch (Throwable ex) {
						throw new CompletionException(ex);
					}
				});
				return proxy(Watch.Watcher.class, (watcherSelf, watcherMethod, watcherArgs) -> {
					if (watcher.isDone()) {
						return call(watcherMethod, watcher.join(), watcherArgs);
					}
					if (watcherMethod.getReturnType() != void.class) {
						return false; // isClosed: not started yet
					}
					// close or requestProgress: sent once the watch started
					watcher.thenAccept((started) -> {
						try {
							call(watcherMethod, started, watcherArgs);
						}
						catch (Throwable ex) {
							throw new CompletionException(ex);
						}
					});
					return null;
				});
			});
		}

	}

}
