package dev.dlock.benchmarks;

import java.util.Arrays;

/**
 * Percentiles and summaries of rounds.
 */
final class Stats {

	private Stats() {
	}

	/**
	 * The nearest-rank percentile of sorted values: the smallest value such that at least
	 * {@code p} percent of the values are less than or equal to it.
	 * @param sorted ascending values
	 * @param p between 0 and 100
	 * @return the value, or {@code NaN} when there is none
	 */
	static double percentile(long[] sorted, double p) {
		if (p < 0 || p > 100) {
			throw new IllegalArgumentException("'p' must be between 0 and 100, not " + p);
		}
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int rank = (int) Math.ceil(p / 100.0 * sorted.length);
		return sorted[Math.max(0, rank - 1)];
	}

	/**
	 * The median of values (the mean of the two middle ones for an even count), ignoring
	 * {@code NaN}s.
	 * @return the median, or {@code NaN} when there is no value
	 */
	static double median(double[] values) {
		double[] finite = finite(values);
		if (finite.length == 0) {
			return Double.NaN;
		}
		int middle = finite.length / 2;
		return (finite.length % 2 == 1) ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
	}

	static double min(double[] values) {
		double[] finite = finite(values);
		return (finite.length == 0) ? Double.NaN : finite[0];
	}

	static double max(double[] values) {
		double[] finite = finite(values);
		return (finite.length == 0) ? Double.NaN : finite[finite.length - 1];
	}

	private static double[] finite(double[] values) {
		return Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
	}

}
