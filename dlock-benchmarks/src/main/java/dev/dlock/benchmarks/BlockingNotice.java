package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.dlock.LockHandle;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.benchmarks.Figure.Better;

/**
 * dlock's blocking notifications: how long from a conflicting request being sent to the
 * holder's listener running. One client holds a key in {@code PR} with a blocking listener;
 * a second client (its own connections) asks for {@code EX} after the hand-off's idle pause
 * (see {@link HandOff#idlePause}), from a thread of its own, and withdraws the request once
 * the holder was told. Only dlock tells holders what they block, so there are no peers; the
 * floor is the raw pushed wake-up after the same pause ({@link WakeUpFloor}): one write
 * that the server pushes to a second client, which wakes a parked thread.
 */
final class BlockingNotice {

	static final String SECTION = "blocking";

	private static final Duration WAIT = Duration.ofSeconds(30);

	private BlockingNotice() {
	}

	static void run(Settings settings, Results results, DlockLibrary library) throws Exception {
		double[] p50 = new double[settings.rounds()];
		double[] p99 = new double[settings.rounds()];
		AtomicReference<CompletableFuture<Long>> next = new AtomicReference<>(new CompletableFuture<>());
		String key = "bench-blocking-" + UUID.randomUUID();
		ExecutorService requester = HandOff.single("notice-requester");
		try (DlockLibrary.Client holding = library.connectManager();
				DlockLibrary.Client asking = library.connectManager();
				LockHandle holder = holding.manager().acquire(key, LockMode.PR, WAIT)) {
			holder.onBlocking((mode) -> next.get().complete(System.nanoTime()));
			Random random = new Random(42);
			for (int round = -1; round < settings.rounds(); round++) {
				int count = (round < 0) ? 3 : settings.handOffs();
				Samples samples = new Samples(count);
				for (int i = 0; i < count; i++) {
					CompletableFuture<Long> told = new CompletableFuture<>();
					next.set(told);
					Measure.pause(HandOff.idlePause(random));
					long[] sentAt = new long[1];
					CompletableFuture<LockHandle> request = requester.submit(() -> {
						sentAt[0] = System.nanoTime();
						return asking.manager().acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
					}).get(WAIT.toSeconds(), TimeUnit.SECONDS);
					samples.add(told.get(WAIT.toSeconds(), TimeUnit.SECONDS) - sentAt[0]);
					request.cancel(true);
				}
				if (round >= 0) {
					p50[round] = samples.percentileMillis(50);
					p99[round] = samples.percentileMillis(99);
				}
			}
		}
		finally {
			requester.shutdownNow();
		}
		add(results, library.server(), "notice p50", p50);
		add(results, library.server(), "notice p99", p99);
	}

	private static void add(Results results, String server, String metric, double[] rounds) {
		results.add(new Figure(SECTION, server, Figure.DLOCK, metric, "ms", Better.LOWER, rounds, null, null));
	}

}
