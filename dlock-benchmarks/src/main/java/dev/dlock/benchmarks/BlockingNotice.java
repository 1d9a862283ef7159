package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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
 * the holder was told. Only dlock tells holders what they block, so there are no peers.
 * <p>
 * <b>Paired floor.</b> The raw pushed wake-up ({@link WakeUpFloor}: one write that the
 * server pushes to a second client, which wakes a parked thread) is timed in the same
 * rounds, each sample after the same kind of pause, alternating with the notices (which
 * goes first alternates too), so that both see the same load of a shared machine. The ratio
 * of the notices' p50 to the wake-ups' p50 is taken per round.
 * <p>
 * <b>Warm-up.</b> Before the rounds, both are run {@link #WARM_UPS} times back to back (a tenth in a quick run), so
 * that the JIT has compiled the notice's own code paths (which no other case runs) as it
 * has the client library's, as in an application that has run for a while. A method that
 * runs once per notice reaches the optimising compiler (C2) only after some 5,000 calls
 * (HotSpot's {@code Tier4InvocationThreshold}); below that it runs as profiling C1 code, which
 * a 3,000-notice warm-up left in place for the rounds (their code was still being promoted
 * while they ran, {@code -XX:+PrintCompilation} shows).
 */
final class BlockingNotice {

	static final String SECTION = "blocking";

	/** The figure with the per-round ratio of notices to their paired raw wake-ups. */
	static final String PAIRED_RATIO = "notice p50 ÷ paired wake-up p50";

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** Back-to-back notices and wake-ups before the rounds: past the JIT's compile thresholds. */
	static final int WARM_UPS = 12_000;

	private BlockingNotice() {
	}

	static void run(Settings settings, Results results, Servers servers, DlockLibrary library) throws Exception {
		int rounds = settings.rounds();
		double[][] notice = new double[2][rounds];
		double[][] floor = new double[2][rounds];
		double[] ratio = new double[rounds];
		AtomicReference<CompletableFuture<Long>> next = new AtomicReference<>(new CompletableFuture<>());
		String key = "bench-blocking-" + UUID.randomUUID();
		WakeUpFloor wakeUp = new WakeUpFloor();
		try (PushedWrites.Writer raw = PushedWrites.open(library.server(), servers, wakeUp::told);
				WakeUpFloor.Threads threads = new WakeUpFloor.Threads();
				DlockLibrary.Client holding = library.connectManager();
				DlockLibrary.Client asking = library.connectManager();
				LockHandle holder = holding.manager().acquire(key, LockMode.PR, WAIT)) {
			wakeUp.awaitSubscribed(raw);
			holder.onBlocking((mode) -> next.get().complete(System.nanoTime()));
			for (int i = warmUps(settings); i > 0; i--) {
				wakeUp.sample(Duration.ZERO, raw, threads);
				notice(Duration.ZERO, next, threads, asking, key);
			}
			Random random = new Random(42);
			for (int round = -1; round < rounds; round++) {
				int count = (round < 0) ? 3 : settings.handOffs();
				Samples notices = new Samples(count);
				Samples wakeUps = new Samples(count);
				for (int i = 0; i < count; i++) {
					if (i % 2 == 0) {
						wakeUps.add(wakeUp.sample(HandOff.idlePause(random), raw, threads));
					}
					notices.add(notice(HandOff.idlePause(random), next, threads, asking, key));
					if (i % 2 != 0) {
						wakeUps.add(wakeUp.sample(HandOff.idlePause(random), raw, threads));
					}
				}
				if (round >= 0) {
					notice[0][round] = notices.percentileMillis(50);
					notice[1][round] = notices.percentileMillis(99);
					floor[0][round] = wakeUps.percentileMillis(50);
					floor[1][round] = wakeUps.percentileMillis(99);
					ratio[round] = notice[0][round] / floor[0][round];
				}
			}
		}
		String server = library.server();
		add(results, server, "notice p50", "ms", notice[0]);
		add(results, server, "notice p99", "ms", notice[1]);
		add(results, server, "paired wake-up p50", "ms", floor[0]);
		add(results, server, "paired wake-up p99", "ms", floor[1]);
		add(results, server, PAIRED_RATIO, "x", ratio);
	}

	/** How many notices and wake-ups warm up: fewer in a quick run. */
	private static int warmUps(Settings settings) {
		return settings.quick() ? WARM_UPS / 10 : WARM_UPS;
	}

	/**
	 * One notice: after the pause, the time from the request being sent to the holder's
	 * listener running, in nanoseconds; the request is withdrawn after.
	 */
	private static long notice(Duration pause, AtomicReference<CompletableFuture<Long>> next,
			WakeUpFloor.Threads threads, DlockLibrary.Client asking, String key) throws Exception {
		CompletableFuture<Long> told = new CompletableFuture<>();
		next.set(told);
		Measure.pause(pause);
		long[] sentAt = new long[1];
		CompletableFuture<LockHandle> request = threads.writer.submit(() -> {
			sentAt[0] = System.nanoTime();
			return asking.manager().acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
		}).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		long noticed = told.get(WAIT.toSeconds(), TimeUnit.SECONDS) - sentAt[0];
		request.cancel(true);
		return noticed;
	}

	private static void add(Results results, String server, String metric, String unit, double[] rounds) {
		results.add(new Figure(SECTION, server, Figure.DLOCK, metric, unit, Better.LOWER, rounds, null, null));
	}

}
