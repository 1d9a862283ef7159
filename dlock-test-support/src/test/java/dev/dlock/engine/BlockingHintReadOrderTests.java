package dev.dlock.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import dev.dlock.tck.ForwardingLockBackend;
import dev.dlock.tck.ForwardingLockSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The read of the queue that follows a hand-over (a request that started to wait, handed to
 * the holder by the backend) is sent from the callback executor after the listeners' tasks,
 * never from the thread that brought the hand-over: on a small machine that thread (often
 * the client's I/O thread) would otherwise send it while the listeners' thread wakes up, and
 * delay the telling. The test hands the entry over itself, as a backend's I/O thread
 * would, and the holder's callback executor keeps its tasks until the test runs them, so
 * the check sees where the read was sent from.
 */
class BlockingHintReadOrderTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final String KEY = "hinted";

	private final InMemoryLockBackend memory = InMemoryLockBackend.create();

	private final AtomicInteger readsSent = new AtomicInteger();

	/** What the engine gave the backend to hand entries that start to wait to. */
	private final AtomicReference<Consumer<Queued>> handOver = new AtomicReference<>();

	private final HeldBackExecutor callbacks = new HeldBackExecutor();

	private final LockManager holding = LockManagerBuilder.forBackend(new CountedReads())
		.callbackExecutor(this.callbacks)
		.build();

	@AfterEach
	void close() {
		this.callbacks.holdBack(false);
		this.holding.close();
		this.memory.close();
	}

	@Test
	void theReadAfterAHandOverIsSentAfterTheListenersAreTold() throws Exception {
		LockHandle holder = this.holding.acquire(KEY, LockMode.PR, WAIT);
		List<String> events = new CopyOnWriteArrayList<>();
		holder.onBlocking((mode) -> events.add("told " + mode + " after " + this.readsSent.get() + " reads"));
		await().atMost(WAIT).until(() -> this.readsSent.get() >= 1);
		int readsBefore = this.readsSent.get();
		this.callbacks.holdBack(true);

		this.handOver.get().accept(Queued.waiting(holder.fencingToken() + 1, LockMode.EX));
		assertThat(this.readsSent.get()).as("reads sent by the thread that brought the hand-over").isEqualTo(readsBefore);
		assertThat(this.callbacks.heldBack()).as("the listener's task and the read's").isEqualTo(2);

		this.callbacks.holdBack(false);
		await().atMost(WAIT).until(() -> this.readsSent.get() > readsBefore);
		assertThat(events).containsExactly("told EX after " + readsBefore + " reads");
		holder.release();
	}

	/** An executor that runs its tasks at once, or keeps them while told to hold back. */
	private static final class HeldBackExecutor implements Executor {

		private final List<Runnable> kept = new ArrayList<>();

		private boolean holdingBack;

		@Override
		public void execute(Runnable task) {
			synchronized (this) {
				if (this.holdingBack) {
					this.kept.add(task);
					return;
				}
			}
			task.run();
		}

		synchronized int heldBack() {
			return this.kept.size();
		}

		/** Starts keeping tasks, or runs the kept ones in order and stops keeping them. */
		void holdBack(boolean holdBack) {
			List<Runnable> due;
			synchronized (this) {
				this.holdingBack = holdBack;
				due = holdBack ? List.of() : new ArrayList<>(this.kept);
				if (!holdBack) {
					this.kept.clear();
				}
			}
			due.forEach(Runnable::run);
		}

	}

	/** The memory backend, counting the holder's reads of its queue and keeping its hand-over. */
	private final class CountedReads extends ForwardingLockBackend {

		CountedReads() {
			super(BlockingHintReadOrderTests.this.memory);
		}

		@Override
		public LockSession openSession(Duration leaseTime) {
			return new ForwardingLockSession(delegate().openSession(leaseTime)) {

				@Override
				public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
					BlockingHintReadOrderTests.this.handOver.set(onWaiting);
					return delegate().watchQueue(entry, onChange, onWaiting);
				}

				@Override
				public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
					BlockingHintReadOrderTests.this.readsSent.incrementAndGet();
					return delegate().queue(entry);
				}

			};
		}

	}

}
