package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.Kind;
import dev.dlock.benchmarks.LockLibrary.LockClient;

/**
 * Four readers, each with its own client, take one key in a shared mode (dlock {@code PR},
 * a read lock elsewhere), hold it 2 ms and take it again at once, so that the key is
 * practically never free. A writer with its own client asks for it in {@code PW} (a write
 * lock) every 20 ms and holds it 1 ms. Reports the readers' acquisitions per second, the
 * writer's wait, and how many of the writer's requests ran out of their wait time (the
 * round's length).
 */
final class Modes {

	static final String SECTION = "modes";

	static final int READERS = 4;

	private static final Duration READ_HOLD = Duration.ofMillis(2);

	private static final Duration WRITE_HOLD = Duration.ofMillis(1);

	private static final Duration WRITE_PERIOD = Duration.ofMillis(20);

	private Modes() {
	}

	static void run(Settings settings, Results results, LockLibrary library) throws Exception {
		String key = "bench-m-" + UUID.randomUUID();
		Duration writerWait = settings.contendedRound();
		List<LockClient> clients = new ArrayList<>();
		AtomicInteger readersInside = new AtomicInteger();
		AtomicInteger writersInside = new AtomicInteger();
		AtomicInteger violations = new AtomicInteger();
		double[] readerRate = new double[settings.rounds()];
		double[] waitP50 = new double[settings.rounds()];
		double[] waitP99 = new double[settings.rounds()];
		double[] timeouts = new double[settings.rounds()];
		try (Parallel threads = new Parallel(READERS + 1, "modes")) {
			for (int i = 0; i <= READERS; i++) {
				clients.add(library.connect());
			}
			Samples[] waits = new Samples[1];
			AtomicInteger reads = new AtomicInteger();
			AtomicInteger writerTimeouts = new AtomicInteger();
			Parallel.IndexedStep step = (thread) -> {
				LockClient client = clients.get(thread);
				if (thread == READERS) {
					Measure.pause(WRITE_PERIOD);
					long start = System.nanoTime();
					Held held = client.lock(key, Kind.WRITE, writerWait);
					long waited = System.nanoTime() - start;
					synchronized (waits) {
						waits[0].add(waited);
					}
					if (held == null) {
						writerTimeouts.incrementAndGet();
						return;
					}
					if (writersInside.incrementAndGet() != 1 || readersInside.get() != 0) {
						violations.incrementAndGet();
					}
					Measure.pause(WRITE_HOLD);
					writersInside.decrementAndGet();
					held.unlock();
				}
				else {
					Held held = client.lock(key, Kind.READ, Duration.ofSeconds(30));
					if (held == null) {
						throw new IllegalStateException("A reader waited 30 s");
					}
					readersInside.incrementAndGet();
					if (writersInside.get() != 0) {
						violations.incrementAndGet();
					}
					Measure.pause(READ_HOLD);
					readersInside.decrementAndGet();
					reads.incrementAndGet();
					held.unlock();
				}
			};
			waits[0] = new Samples();
			threads.run(settings.warmUp(), step);
			for (int i = 0; i < settings.rounds(); i++) {
				synchronized (waits) {
					waits[0] = new Samples();
				}
				reads.set(0);
				writerTimeouts.set(0);
				long start = System.nanoTime();
				threads.run(settings.contendedRound(), step);
				readerRate[i] = reads.get() * 1e9 / (System.nanoTime() - start);
				synchronized (waits) {
					waitP50[i] = waits[0].percentileMillis(50);
					waitP99[i] = waits[0].percentileMillis(99);
				}
				timeouts[i] = writerTimeouts.get();
			}
		}
		finally {
			for (LockClient client : clients) {
				client.close();
			}
		}
		if (violations.get() > 0) {
			results.note(library.server() + " · " + library.name() + " (modes)",
					violations.get() + " times a reader and the writer were inside at once");
		}
		String name = library.modesName();
		String single = Floors.singleOp(library.server());
		results.add(new Figure(SECTION, library.server(), name, "reader ops/s", "ops/s", Better.HIGHER, readerRate,
				null, null));
		results.add(new Figure(SECTION, library.server(), name, "writer wait p50", "ms", Better.LOWER, waitP50, single,
				"p50"));
		results.add(new Figure(SECTION, library.server(), name, "writer wait p99", "ms", Better.LOWER, waitP99, single,
				"p99"));
		results.add(new Figure(SECTION, library.server(), name, "writer timeouts", "per round", Better.LOWER,
				timeouts, null, null));
	}

}
