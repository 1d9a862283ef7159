package dev.dlock.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.LockClient;

/**
 * Four threads, each with its own client, increment one counter under an exclusive lock on
 * one key for a fixed time. Also checks that no two threads were ever inside at once.
 */
final class Contended {

	static final String SECTION = "contended";

	static final int THREADS = 4;

	private Contended() {
	}

	static void run(Settings settings, Results results, LockLibrary library) throws Exception {
		String key = "bench-c-" + UUID.randomUUID();
		List<LockClient> clients = new ArrayList<>();
		AtomicInteger inside = new AtomicInteger();
		AtomicInteger overlaps = new AtomicInteger();
		long[] counter = new long[1];
		double[] rounds = new double[settings.rounds()];
		double[] evenness = new double[settings.rounds()];
		try (Parallel threads = new Parallel(THREADS, "contended")) {
			for (int i = 0; i < THREADS; i++) {
				clients.add(library.connect());
			}
			Parallel.IndexedStep step = (thread) -> {
				Held held = clients.get(thread).lock(key);
				if (inside.incrementAndGet() != 1) {
					overlaps.incrementAndGet();
				}
				counter[0]++;
				inside.decrementAndGet();
				held.unlock();
			};
			threads.run(settings.warmUp(), step);
			for (int i = 0; i < settings.rounds(); i++) {
				Parallel.Outcome outcome = threads.run(settings.contendedRound(), step);
				rounds[i] = outcome.rate();
				evenness[i] = outcome.evenness();
			}
		}
		finally {
			for (LockClient client : clients) {
				client.close();
			}
		}
		if (overlaps.get() > 0) {
			results.note(library.server() + " · " + library.name() + " (contended)",
					overlaps.get() + " times two threads were inside the lock at once");
		}
		results.add(new Figure(SECTION, library.server(), library.name(), "ops/s", "ops/s", Better.HIGHER, rounds,
				Floors.pair(library.server()), "ops/s"));
		results.add(new Figure(SECTION, library.server(), library.name(), "fewest ÷ most turns", "x", Better.HIGHER,
				evenness, null, null));
	}

}
