package dev.dlock.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.Queued;
import dev.dlock.tck.ForwardingLockBackend;
import dev.dlock.tck.ForwardingLockSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A blocking listener added while a request is handed over (DESIGN.md §12). Adding a
 * listener starts a read of the queue, whose answer may predate a request that queues
 * meanwhile; the backend hands that request over, and the hand-over tells only the
 * listeners that were there before. The read must still tell the new listener of it, or
 * nobody ever will: the request counts as told from then on. Each check holds a read's
 * answer back until a request was handed over, the interleaving that a kit run on Redis
 * hit about once in two before the engine handled it (e2483e7).
 */
class BlockingHandOverTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final String KEY = "handed-over";

	private final InMemoryLockBackend memory = InMemoryLockBackend.create();

	/** Completes each queue read's answer, taken when the read was sent, only when the test says so. */
	private volatile CompletableFuture<Void> readGate = CompletableFuture.completedFuture(null);

	private final AtomicInteger readsSent = new AtomicInteger();

	private final AtomicInteger readsAnswered = new AtomicInteger();

	// listeners run on the thread that tells them, so the checks see every telling at once
	private final LockManager holding = LockManagerBuilder.forBackend(new GatedReads())
		.callbackExecutor(Runnable::run)
		.build();

	private final LockManager asking = LockManagerBuilder.forBackend(this.memory).build();

	@AfterEach
	void close() {
		this.holding.close();
		this.asking.close();
		this.memory.close();
	}

	@Test
	void aListenerAddedWhileARequestIsHandedOverIsToldOfIt() throws Exception {
		LockHandle holder = this.holding.acquire(KEY, LockMode.PR, WAIT);
		CompletableFuture<LockHandle> request = addListenersAround(holder,
				() -> this.asking.acquireAsync(KEY, LockMode.EX, LockOptions.waitTime(WAIT)));
		holder.release();
		request.get().release();
	}

	@Test
	void aListenerAddedWhileAConversionIsHandedOverIsToldOfIt() throws Exception {
		LockHandle holder = this.holding.acquire(KEY, LockMode.CR, WAIT);
		LockHandle upgrading = this.asking.acquire(KEY, LockMode.CR, WAIT);
		CompletableFuture<LockHandle> upgrade = addListenersAround(holder,
				() -> upgrading.convertAsync(LockMode.EX, LockOptions.waitTime(WAIT)));
		holder.release();
		upgrade.get();
		assertThat(upgrading.mode()).isEqualTo(LockMode.EX);
		upgrading.release();
	}

	/**
	 * Adds a first listener and, once its read answered, a second one whose read is held
	 * back; then asks for {@code EX} and checks that the hand-over tells the first listener
	 * at once and that the held-back read, once it answers, tells the second.
	 * @return the request asked for
	 */
	private CompletableFuture<LockHandle> addListenersAround(LockHandle holder,
			Supplier<CompletableFuture<LockHandle>> askForExclusive) {
		List<LockMode> first = new CopyOnWriteArrayList<>();
		holder.onBlocking(first::add);
		await().atMost(WAIT).until(() -> this.readsAnswered.get() >= 1);
		CompletableFuture<Void> gate = new CompletableFuture<>();
		this.readGate = gate;
		List<LockMode> second = new CopyOnWriteArrayList<>();
		int sent = this.readsSent.get();
		holder.onBlocking(second::add);
		await().atMost(WAIT).until(() -> this.readsSent.get() > sent);
		CompletableFuture<LockHandle> asked = askForExclusive.get();
		await().atMost(WAIT).until(() -> first.equals(List.of(LockMode.EX)));
		assertThat(second).as("told before the read that started with it answered").isEmpty();
		gate.complete(null);
		await().atMost(WAIT).until(() -> second.equals(List.of(LockMode.EX)));
		assertThat(first).containsExactly(LockMode.EX);
		return asked;
	}

	/** The memory backend, whose queue reads answer what the queue was when they were sent. */
	private final class GatedReads extends ForwardingLockBackend {

		GatedReads() {
			super(BlockingHandOverTests.this.memory);
		}

		@Override
		public LockSession openSession(Duration leaseTime) {
			return new ForwardingLockSession(delegate().openSession(leaseTime)) {

				@Override
				public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
					List<Queued> answer = delegate().queue(entry).join();
					BlockingHandOverTests.this.readsSent.incrementAndGet();
					return BlockingHandOverTests.this.readGate.thenApply((open) -> {
						BlockingHandOverTests.this.readsAnswered.incrementAndGet();
						return answer;
					});
				}

			};
		}

	}

}
