package dev.dlock.benchmarks;

import java.util.Arrays;

/**
 * A growable list of latencies in nanoseconds, recorded by one thread at a time.
 */
final class Samples {

	private long[] values;

	private int size;

	Samples() {
		this(1024);
	}

	Samples(int capacity) {
		this.values = new long[Math.max(16, capacity)];
	}

	static Samples of(long... nanos) {
		Samples samples = new Samples(nanos.length);
		for (long value : nanos) {
			samples.add(value);
		}
		return samples;
	}

	void add(long nanos) {
		if (this.size == this.values.length) {
			this.values = Arrays.copyOf(this.values, this.values.length * 2);
		}
		this.values[this.size++] = nanos;
	}

	void addAll(Samples other) {
		for (int i = 0; i < other.size; i++) {
			add(other.values[i]);
		}
	}

	int size() {
		return this.size;
	}

	/** A sorted copy. */
	long[] sorted() {
		long[] copy = Arrays.copyOf(this.values, this.size);
		Arrays.sort(copy);
		return copy;
	}

	/**
	 * The {@code p}-th percentile in milliseconds, nearest rank; {@code NaN} when empty.
	 * @param p between 0 and 100
	 */
	double percentileMillis(double p) {
		return Stats.percentile(sorted(), p) / 1e6;
	}

}
