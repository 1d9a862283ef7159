package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.LockClient;
import org.jspecify.annotations.Nullable;

/**
 * Two clients, each on its own thread, pass one key back and forth: one holds it, the
 * other waits in its acquire, then the holder releases. The figure is the time from the
 * release call to the waiter's acquire returning.
 * <p>
 * The holder releases after a random 5–105 ms, so that a waiter that polls (a spin lock
 * that retries every 100 ms) is caught at a random point of its retry period, as it would
 * be in an application.
 */
final class HandOff {

	static final String SECTION = "hand-off";

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final int WARM_UP = 3;

	private HandOff() {
	}

	static Samples run(Settings settings, Results results, Servers servers, LockLibrary library) throws Exception {
		String key = "bench-h-" + UUID.randomUUID();
		Random random = new Random(42);
		double[] p50 = new double[settings.rounds()];
		double[] p99 = new double[settings.rounds()];
		double[] requests = new double[settings.rounds()];
		Samples all = new Samples();
		ExecutorService[] threads = { single("a"), single("b") };
		LockClient[] clients = { library.connect(), library.connect() };
		try {
			Held[] held = new Held[2];
			held[0] = threads[0].submit(() -> clients[0].lock(key)).get();
			int holder = 0;
			for (int round = -1; round < settings.rounds(); round++) {
				int count = (round < 0) ? WARM_UP : settings.handOffs();
				Samples samples = new Samples(count);
				long requestsBefore = servers.requests(library.server());
				for (int i = 0; i < count; i++) {
					int waiter = 1 - holder;
					int from = holder;
					Future<Long> acquired = threads[waiter].submit(() -> {
						Held lock = clients[waiter].lock(key, LockLibrary.Kind.EXCLUSIVE, WAIT);
						long now = System.nanoTime();
						if (lock == null) {
							throw new IllegalStateException(library.name() + ": no hand-off within " + WAIT);
						}
						held[waiter] = lock;
						return now;
					});
					Measure.pause(idlePause(random));
					long released = threads[from].submit(() -> {
						long now = System.nanoTime();
						held[from].unlock();
						return now;
					}).get(WAIT.toSeconds(), TimeUnit.SECONDS);
					samples.add(acquired.get(WAIT.toSeconds(), TimeUnit.SECONDS) - released);
					holder = waiter;
				}
				long requestsAfter = servers.requests(library.server());
				if (round >= 0) {
					// no count (no server, or only plain commands): no figure
					requests[round] = (requestsBefore < 0 || requestsAfter == requestsBefore) ? Double.NaN
							: (double) (requestsAfter - requestsBefore) / count;
					p50[round] = samples.percentileMillis(50);
					p99[round] = samples.percentileMillis(99);
					all.addAll(samples);
				}
			}
			int last = holder;
			threads[last].submit(() -> {
				held[last].unlock();
				return null;
			}).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		}
		finally {
			for (int i = 0; i < 2; i++) {
				close(threads[i], clients[i]);
			}
		}
		String roundTrip = Floors.roundTrip(library.server());
		results.add(new Figure(SECTION, library.server(), library.name(), "p50", "ms", Better.LOWER, p50, roundTrip,
				"p50"));
		results.add(new Figure(SECTION, library.server(), library.name(), "p99", "ms", Better.LOWER, p99, roundTrip,
				"p99"));
		if (Double.isFinite(Stats.median(requests))) {
			results.add(new Figure(SECTION, library.server(), library.name(), "requests/hand-off", "req", Better.LOWER,
					requests, null, null));
		}
		results.distribution(library.server(), library.name(), all);
		return all;
	}

	/** How long the holder holds before it releases: 5–105 ms, uniformly. */
	static Duration idlePause(Random random) {
		return Duration.ofMillis(5 + random.nextInt(100));
	}

	private static void close(ExecutorService thread, @Nullable LockClient client) throws Exception {
		if (client != null) {
			thread.submit(() -> {
				client.close();
				return null;
			}).get(30, TimeUnit.SECONDS);
		}
		thread.shutdownNow();
	}

	/** A single daemon thread named {@code bench-handoff-<name>}, as a client would have its own. */
	static ExecutorService single(String name) {
		return Executors.newSingleThreadExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "bench-handoff-" + name);
			thread.setDaemon(true);
			return thread;
		});
	}

}
