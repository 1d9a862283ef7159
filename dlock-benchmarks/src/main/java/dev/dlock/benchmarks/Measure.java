package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Timed loops: a warm-up, then rounds of back-to-back calls with each call's latency
 * recorded.
 */
final class Measure {

	private Measure() {
	}

	/**
	 * Warms up for {@code settings.warmUp()}, then runs {@code settings.rounds()} rounds of
	 * {@code length} each.
	 * @return the rounds
	 * @throws Exception what {@code step} threw
	 */
	static List<Round> rounds(Settings settings, Duration length, Step step) throws Exception {
		loop(settings.warmUp(), step);
		List<Round> rounds = new ArrayList<>();
		for (int i = 0; i < settings.rounds(); i++) {
			rounds.add(loop(length, step));
		}
		return rounds;
	}

	/**
	 * Runs {@code step} back to back for {@code duration} and records each call's latency.
	 * @return the round
	 * @throws Exception what {@code step} threw
	 */
	static Round loop(Duration duration, Step step) throws Exception {
		Samples samples = new Samples(4096);
		Samples part = new Samples(4096);
		long begin = System.nanoTime();
		long end = begin + duration.toNanos();
		long now;
		do {
			long start = System.nanoTime();
			step.run(part);
			now = System.nanoTime();
			samples.add(now - start);
		}
		while (now < end);
		return new Round(samples, part, samples.size() * 1e9 / (now - begin));
	}

	/** The {@code p}-th percentile of every round's latencies, in milliseconds. */
	static double[] percentile(List<Round> rounds, double p) {
		return rounds.stream().mapToDouble((round) -> round.samples().percentileMillis(p)).toArray();
	}

	/** The {@code p}-th percentile of every round's part latencies, in milliseconds. */
	static double[] partPercentile(List<Round> rounds, double p) {
		return rounds.stream().mapToDouble((round) -> round.part().percentileMillis(p)).toArray();
	}

	static double[] opsPerSecond(List<Round> rounds) {
		return rounds.stream().mapToDouble(Round::opsPerSecond).toArray();
	}

	/** Sleeps, restoring the interrupt flag (a benchmark may pace itself). */
	static void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis(), (int) (duration.toNanos() % 1_000_000));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	/**
	 * One measured call; it may record the latency of a part of itself (the acquire of an
	 * acquire+release pair) into {@code part}.
	 */
	@FunctionalInterface
	interface Step {

		void run(Samples part) throws Exception;

	}

	/**
	 * One round.
	 * @param samples the latency of every call
	 * @param part the latencies a step recorded of a part of itself
	 * @param opsPerSecond calls per second
	 */
	record Round(Samples samples, Samples part, double opsPerSecond) {
	}

}
