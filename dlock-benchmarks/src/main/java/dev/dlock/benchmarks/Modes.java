package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.Kind;
import dev.dlock.benchmarks.LockLibrary.LockClient;

/**
 * Four readers, each with its own client, take one key in a shared mode (dlock {@code PR},
 * a read lock elsewhere), hold it 2 ms and take it again at once, so that the key is
 * practically never free of readers. A writer with its own client asks for it in
 * {@code PW} (a write lock) every 20 ms, waits at most half a round, and holds it 1 ms.
 * The readers keep going until the writer's last request has ended, so that a writer
 * starved by readers is never let in by the end of the round.
 * <p>
 * Reports the readers' acquisitions per second, the writer's grants per second, its wait
 * (a request that ran out of time counts with its full wait) and how many of its requests
 * ran out of time.
 */
final class Modes {

	static final String SECTION = "modes";

	static final int READERS = 4;

	private static final Duration READ_HOLD = Duration.ofMillis(2);

	private static final Duration WRITE_HOLD = Duration.ofMillis(1);

	private static final Duration WRITE_PERIOD = Duration.ofMillis(20);

	private final LockLibrary library;

	private final String key = "bench-m-" + UUID.randomUUID();

	private final List<LockClient> clients = new ArrayList<>();

	private final AtomicInteger readersInside = new AtomicInteger();

	private final AtomicInteger writersInside = new AtomicInteger();

	/** Times a reader, once granted, found the writer inside. */
	private final AtomicInteger readerSawWriter = new AtomicInteger();

	/** Times the writer, once granted, found readers (or another writer) inside. */
	private final AtomicInteger writerSawOthers = new AtomicInteger();

	private final ExecutorService threads = Executors.newFixedThreadPool(READERS + 1, (runnable) -> {
		Thread thread = new Thread(runnable, "bench-modes");
		thread.setDaemon(true);
		return thread;
	});

	private Modes(LockLibrary library) {
		this.library = library;
	}

	static void run(Settings settings, Results results, LockLibrary library) throws Exception {
		Modes modes = new Modes(library);
		double[] readerRate = new double[settings.rounds()];
		double[] writerRate = new double[settings.rounds()];
		double[] waitP50 = new double[settings.rounds()];
		double[] waitP99 = new double[settings.rounds()];
		double[] timeouts = new double[settings.rounds()];
		Duration writerWait = settings.contendedRound().dividedBy(2);
		try {
			for (int i = 0; i <= READERS; i++) {
				modes.clients.add(library.connect());
			}
			modes.round(settings.warmUp(), writerWait);
			for (int i = 0; i < settings.rounds(); i++) {
				Round round = modes.round(settings.contendedRound(), writerWait);
				readerRate[i] = round.reads() * 1e9 / round.nanos();
				writerRate[i] = round.writes() * 1e9 / round.nanos();
				waitP50[i] = round.waits().percentileMillis(50);
				waitP99[i] = round.waits().percentileMillis(99);
				timeouts[i] = round.timeouts();
			}
		}
		finally {
			modes.threads.shutdownNow();
			for (LockClient client : modes.clients) {
				client.close();
			}
		}
		if (modes.readerSawWriter.get() + modes.writerSawOthers.get() > 0) {
			results.note(library.server() + " · " + library.name() + " (modes)",
					"a reader and the writer were inside at once: " + modes.readerSawWriter.get()
							+ " times a granted reader found the writer inside, " + modes.writerSawOthers.get()
							+ " times the granted writer found readers inside (in-JVM counters, changed before the "
							+ "release call and after the acquire returned)");
		}
		String name = library.modesName();
		String single = Floors.singleOp(library.server());
		results.add(new Figure(SECTION, library.server(), name, "reader ops/s", "ops/s", Better.HIGHER, readerRate,
				null, null));
		results.add(new Figure(SECTION, library.server(), name, "writer grants/s", "ops/s", Better.HIGHER, writerRate,
				null, null));
		results.add(new Figure(SECTION, library.server(), name, "writer wait p50", "ms", Better.LOWER, waitP50, single,
				"p50"));
		results.add(new Figure(SECTION, library.server(), name, "writer wait p99", "ms", Better.LOWER, waitP99, single,
				"p99"));
		results.add(new Figure(SECTION, library.server(), name, "writer timeouts", "per round", Better.LOWER,
				timeouts, null, null));
	}

	private Round round(Duration length, Duration writerWait) throws Exception {
		AtomicBoolean readersGo = new AtomicBoolean(true);
		AtomicInteger reads = new AtomicInteger();
		List<Future<?>> readers = new ArrayList<>();
		long start = System.nanoTime();
		for (int i = 0; i < READERS; i++) {
			LockClient client = this.clients.get(i);
			readers.add(this.threads.submit(() -> {
				while (readersGo.get()) {
					read(client);
					reads.incrementAndGet();
				}
				return null;
			}));
		}
		LockClient writer = this.clients.get(READERS);
		Samples waits = new Samples();
		int[] writes = new int[1];
		int[] timeouts = new int[1];
		this.threads.submit(() -> {
			long end = start + length.toNanos();
			while (System.nanoTime() < end) {
				Measure.pause(WRITE_PERIOD);
				long asked = System.nanoTime();
				Held held = writer.lock(this.key, Kind.WRITE, writerWait);
				waits.add(System.nanoTime() - asked);
				if (held == null) {
					timeouts[0]++;
					continue;
				}
				if (this.writersInside.incrementAndGet() != 1 || this.readersInside.get() != 0) {
					this.writerSawOthers.incrementAndGet();
				}
				Measure.pause(WRITE_HOLD);
				this.writersInside.decrementAndGet();
				held.unlock();
				writes[0]++;
			}
			return null;
		}).get(length.toNanos() + writerWait.toNanos() + TimeUnit.SECONDS.toNanos(60), TimeUnit.NANOSECONDS);
		long nanos = System.nanoTime() - start;
		int readCount = reads.get();
		readersGo.set(false);
		for (Future<?> reader : readers) {
			reader.get(60, TimeUnit.SECONDS);
		}
		return new Round(nanos, readCount, writes[0], timeouts[0], waits);
	}

	private void read(LockClient client) throws Exception {
		Held held = client.lock(this.key, Kind.READ, Duration.ofSeconds(30));
		if (held == null) {
			throw new IllegalStateException("A reader waited 30 s");
		}
		this.readersInside.incrementAndGet();
		if (this.writersInside.get() != 0) {
			this.readerSawWriter.incrementAndGet();
		}
		Measure.pause(READ_HOLD);
		this.readersInside.decrementAndGet();
		held.unlock();
	}

	private record Round(long nanos, int reads, int writes, int timeouts, Samples waits) {
	}

}
