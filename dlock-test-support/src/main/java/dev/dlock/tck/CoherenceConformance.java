package dev.dlock.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.coherence.CoherentValue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The coherence checks of the conformance kit, run for every backend as the kit's nested
 * {@code Coherence} class: {@link CoherentValue} copies in several managers (each with its
 * own client, as other processes) never serve data older than the last update that
 * returned before the read began, checked from a recorded history, and serve from the copy
 * without asking the server.
 *
 * @since 0.1.0
 */
public abstract class CoherenceConformance {

	private static final int READERS = 3;

	private static final int UPDATES = 15;

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Makes a manager on a new client, closed after the test.
	 * @return the manager
	 */
	protected abstract LockManager newManager();

	/**
	 * Makes a manager on a new client that the test can cut off, closed after the test.
	 * @return the client
	 */
	protected abstract LockBackendConformanceKit.Client newClient();

	@Test
	void noReadServesDataOlderThanTheLastUpdateThatReturnedBeforeItBegan() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		AtomicLong database = new AtomicLong();
		List<Long> committedAt = new ArrayList<>(); // index i: when update i + 1 returned
		ConcurrentLinkedQueue<Read> history = new ConcurrentLinkedQueue<>();
		AtomicInteger loads = new AtomicInteger();
		CountDownLatch writing = new CountDownLatch(1);
		ExecutorService readers = Executors.newFixedThreadPool(READERS);
		List<Future<Integer>> readCounts = new ArrayList<>();
		try {
			for (int r = 0; r < READERS; r++) {
				CoherentValue<Long> copy = CoherentValue.of(newManager(), key, () -> {
					loads.incrementAndGet();
					return database.get();
				});
				readCounts.add(readers.submit(() -> readUntil(writing, copy, history)));
			}
			CoherentValue<Long> writer = CoherentValue.of(newManager(), key, database::get);
			// every reader holds a copy before the first update, and reads again after each
			await().atMost(WAIT).until(() -> loads.get() >= READERS);
			for (long update = 1; update <= UPDATES; update++) {
				long next = update;
				writer.update(() -> database.set(next));
				committedAt.add(System.nanoTime());
				int readsBefore = history.size();
				await().atMost(WAIT).until(() -> history.size() >= readsBefore + READERS);
			}
			writing.countDown();
			int reads = 0;
			for (Future<Integer> count : readCounts) {
				reads += count.get(60, TimeUnit.SECONDS);
			}
			for (Read read : history) {
				long lastCommittedBefore = 0;
				for (int i = 0; i < committedAt.size() && committedAt.get(i) - read.startedAt() < 0; i++) {
					lastCommittedBefore = i + 1;
				}
				assertThat(read.served()).as("a read that began after update %d", lastCommittedBefore)
					.isGreaterThanOrEqualTo(lastCommittedBefore);
			}
			assertThat(history).extracting(Read::served).contains((long) UPDATES);
			// one load per reader and version at most, far fewer than the reads
			assertThat(loads.get()).isLessThanOrEqualTo(READERS * (UPDATES + 1)).isLessThan(reads);
		}
		finally {
			writing.countDown();
			readers.shutdownNow();
		}
	}

	private static int readUntil(CountDownLatch writing, CoherentValue<Long> copy, ConcurrentLinkedQueue<Read> history)
			throws InterruptedException {
		int reads = 0;
		do {
			long startedAt = System.nanoTime();
			history.add(new Read(startedAt, copy.get()));
			reads++;
		}
		while (!writing.await(1, TimeUnit.MILLISECONDS));
		history.add(new Read(System.nanoTime(), copy.get())); // after the last update
		return reads + 1;
	}

	@Test
	void aCachedReadAsksTheServerNothing() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockBackendConformanceKit.Client client = newClient();
		AtomicInteger loads = new AtomicInteger();
		CoherentValue<Integer> copy = CoherentValue.of(client.manager(), key, loads::incrementAndGet);
		assertThat(copy.get()).isEqualTo(1);
		client.backend().cut(); // from now on every server call of this client fails
		for (int read = 0; read < 100; read++) {
			assertThat(copy.get()).isEqualTo(1);
		}
		assertThat(loads).hasValue(1);
		client.backend().heal();
		copy.close();
	}

	@Test
	void anUnchangedVersionReloadsNothingAfterTheCopyWasDropped() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		AtomicInteger loads = new AtomicInteger();
		AtomicLong database = new AtomicLong(7);
		CoherentValue<Long> writer = CoherentValue.of(newManager(), key, database::get);
		writer.update(() -> database.set(8));
		CoherentValue<Long> reader = CoherentValue.of(newManager(), key, () -> {
			loads.incrementAndGet();
			return database.get();
		});
		assertThat(reader.get()).isEqualTo(8);
		// an EX holder that changes nothing and sets no value: the reader's copy is dropped
		newManager().acquire(key, LockMode.EX, Duration.ofSeconds(10)).release();
		assertThat(reader.get()).isEqualTo(8);
		assertThat(loads).as("loads: the version did not move").hasValue(1);
		writer.update(() -> database.set(9));
		assertThat(reader.get()).isEqualTo(9);
		assertThat(loads).hasValue(2);
	}

	private record Read(long startedAt, long served) {
	}

}
