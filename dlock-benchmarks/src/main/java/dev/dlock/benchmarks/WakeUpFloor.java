package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raw floor of a pushed hand-off: after the hand-off's idle pause, one client sends a
 * write (the one round trip of a release) and the server pushes it to a second client,
 * whose I/O thread wakes a thread parked on it. The figure is the time from the write to
 * the parked thread running, measured like {@link HandOff} (same pauses, two threads of
 * their own).
 * <p>
 * Any lock that pushes wake-ups does at least this much between a release and a waiter's
 * return: dlock, and the pub/sub waiters of Redisson and Spring Integration, which then send
 * one more round trip. So a hand-off bound below this floor cannot be met by a pushed
 * design on the machine at hand.
 */
final class WakeUpFloor {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final AtomicReference<CompletableFuture<Void>> next = new AtomicReference<>(new CompletableFuture<>());

	/** To be called by the second client's listener when the server pushed the write. */
	void told() {
		this.next.get().complete(null);
	}

	/**
	 * Writes until the second client is told once, so that its subscription is surely in
	 * place before anything is measured.
	 */
	void awaitSubscribed(Write write) throws Exception {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (true) {
			CompletableFuture<Void> told = new CompletableFuture<>();
			this.next.set(told);
			write.send();
			try {
				told.get(100, TimeUnit.MILLISECONDS);
				return;
			}
			catch (TimeoutException ex) {
				if (System.nanoTime() - deadline > 0) {
					throw new IllegalStateException("no push reached the second client within " + WAIT, ex);
				}
			}
		}
	}

	/**
	 * Measures one wake-up per hand-off of each round.
	 * @param write sends the write the second client is told of, and waits for its reply
	 * @return p50 and p99 per round, in ms
	 */
	double[][] measure(Settings settings, Write write) throws Exception {
		awaitSubscribed(write);
		Random random = new Random(42);
		double[] p50 = new double[settings.rounds()];
		double[] p99 = new double[settings.rounds()];
		try (Threads threads = new Threads()) {
			for (int round = -1; round < settings.rounds(); round++) {
				int count = (round < 0) ? 3 : settings.handOffs();
				Samples samples = new Samples(count);
				for (int i = 0; i < count; i++) {
					samples.add(sample(HandOff.idlePause(random), write, threads));
				}
				if (round >= 0) {
					p50[round] = samples.percentileMillis(50);
					p99[round] = samples.percentileMillis(99);
				}
			}
		}
		return new double[][] { p50, p99 };
	}

	/**
	 * One wake-up: after the pause, the time from the write being sent to the parked thread
	 * running, in nanoseconds. The second client must be subscribed (see
	 * {@link #awaitSubscribed}).
	 */
	long sample(Duration pause, Write write, Threads threads) throws Exception {
		CompletableFuture<Void> told = new CompletableFuture<>();
		this.next.set(told);
		Future<Long> woken = threads.waiter.submit(() -> {
			told.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			return System.nanoTime();
		});
		Measure.pause(pause);
		long sent = threads.writer.submit(() -> {
			long now = System.nanoTime();
			write.send();
			return now;
		}).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		return woken.get(WAIT.toSeconds(), TimeUnit.SECONDS) - sent;
	}

	/** The writer's and the waiter's threads, one each, as two clients would have. */
	static final class Threads implements AutoCloseable {

		final ExecutorService writer = HandOff.single("wake-up-writer");

		final ExecutorService waiter = HandOff.single("wake-up-waiter");

		@Override
		public void close() {
			this.writer.shutdownNow();
			this.waiter.shutdownNow();
		}

	}

	/** The write whose push is measured. */
	@FunctionalInterface
	interface Write {

		void send() throws Exception;

	}

}
