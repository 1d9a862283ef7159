package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.Kind;
import dev.dlock.benchmarks.LockLibrary.LockClient;
import org.jspecify.annotations.Nullable;

/**
 * The hand-off as an outside harness shapes it: two clients, each with a client library
 * instance of its own (dlock on Redis: its own Lettuce {@code RedisClient}, so its own I/O
 * threads) and a thread of its own, take turns on one key. Each holder keeps the lock
 * 5 ms + 0–100 ms on its own thread, then releases; the other client asks for the lock
 * as soon as the holder has it, so it waits through the whole hold. The figure is the
 * time from the holder's release call to the waiter's acquire returning.
 * <p>
 * Unlike {@link HandOff}, no third thread paces the turns, and no two clients share an
 * event loop: the holder's release and the waiter's wake-up run on threads that each
 * slept through the hold.
 */
final class HandOffTurns {

	static final String SECTION = "hand-off-turns";

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int WARM_UP = 4;

	private HandOffTurns() {
	}

	static void run(Settings settings, Results results, LockLibrary library) throws Exception {
		String key = "bench-t-" + UUID.randomUUID();
		int perRound = settings.handOffs();
		int total = WARM_UP + settings.rounds() * perRound;
		AtomicLongArray releaseCalled = new AtomicLongArray(total);
		AtomicLongArray acquired = new AtomicLongArray(total);
		// a client may ask for the lock once the other holds it
		Semaphore[] mayAsk = { new Semaphore(0), new Semaphore(0) };
		ExecutorService[] threads = { HandOff.single("turns-a"), HandOff.single("turns-b") };
		LockClient[] clients = { library.connect(), library.connect() };
		try {
			clients[0].lock(key).unlock(); // the key exists and both clients' connections are up
			clients[1].lock(key).unlock();
			List<Future<Void>> turns = List.of(
					threads[0].submit(() -> takeTurns(0, clients, key, total, mayAsk, releaseCalled, acquired)),
					threads[1].submit(() -> takeTurns(1, clients, key, total, mayAsk, releaseCalled, acquired)));
			for (Future<Void> turn : turns) {
				turn.get(total * 2L * WAIT.toSeconds(), TimeUnit.SECONDS);
			}
		}
		finally {
			for (int i = 0; i < 2; i++) {
				close(threads[i], clients[i]);
			}
		}
		double[] p50 = new double[settings.rounds()];
		double[] p90 = new double[settings.rounds()];
		for (int round = 0; round < settings.rounds(); round++) {
			Samples samples = new Samples(perRound);
			for (int i = 0; i < perRound; i++) {
				int turn = WARM_UP + round * perRound + i;
				samples.add(acquired.get(turn) - releaseCalled.get(turn));
			}
			p50[round] = samples.percentileMillis(50);
			p90[round] = samples.percentileMillis(90);
		}
		results.add(SECTION, library.server(), library.name(), "p50", "ms", Better.LOWER, p50);
		results.add(SECTION, library.server(), library.name(), "p90", "ms", Better.LOWER, p90);
	}

	/**
	 * One client's side: it holds on the even turns (client 0) or the odd ones (client 1);
	 * turn {@code t} is the hand-off from client {@code t % 2} to the other.
	 */
	private static @Nullable Void takeTurns(int self, LockClient[] clients, String key, int total,
			Semaphore[] mayAsk, AtomicLongArray releaseCalled, AtomicLongArray acquired) throws Exception {
		Random random = new Random(42 + self);
		Held held = null;
		if (self == 0) {
			held = clients[0].lock(key);
			mayAsk[1].release();
		}
		try {
			for (int turn = 0; turn < total; turn++) {
				if (turn % 2 == self) {
					if (held == null) {
						throw new IllegalStateException("client " + self + " does not hold the key on its turn");
					}
					Measure.pause(HandOff.idlePause(random));
					releaseCalled.set(turn, System.nanoTime());
					held.unlock();
					held = null;
				}
				else {
					mayAsk[self].acquire();
					Held lock = clients[self].lock(key, Kind.EXCLUSIVE, WAIT);
					acquired.set(turn, System.nanoTime());
					if (lock == null) {
						throw new IllegalStateException("no hand-off within " + WAIT);
					}
					held = lock;
					mayAsk[1 - self].release();
				}
			}
		}
		finally {
			if (held != null) {
				held.unlock();
			}
		}
		return null;
	}

	/**
	 * Prints, for both hand-off shapes, each peer's p50 ÷ dlock's on the same server (above
	 * 1: dlock hands off faster).
	 */
	static void printRatios(Results results) {
		System.out.println();
		System.out.println("hand-off p50, peer ÷ dlock (same run):");
		for (String section : List.of(HandOff.SECTION, SECTION)) {
			for (Figure figure : results.figures()) {
				if (!figure.section().equals(section) || !figure.metric().equals("p50") || !figure.isPeer()) {
					continue;
				}
				results.find(section, figure.server(), Figure.DLOCK, "p50")
					.ifPresent((dlock) -> System.out.printf(Locale.ROOT, "  %-16s %-6s %-32s %8s ms ÷ %8s ms = %s%n",
							section, figure.server(), figure.library(), Format.number(figure.median()),
							Format.number(dlock.median()), Format.ratio(Results.ratio(figure, dlock))));
			}
		}
	}

	private static void close(ExecutorService thread, LockClient client) throws Exception {
		thread.submit(() -> {
			client.close();
			return null;
		}).get(30, TimeUnit.SECONDS);
		thread.shutdownNow();
	}

}
