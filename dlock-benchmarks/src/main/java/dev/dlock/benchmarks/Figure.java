package dev.dlock.benchmarks;

import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One measured figure: its value in every round, summarised by the median and the range.
 *
 * @param section the scenario, for example {@code uncontended}
 * @param server {@code redis}, {@code etcd}, {@code nats} or {@code memory}
 * @param library who was measured, for example {@code dlock} or {@code Redisson RLock}
 * @param metric what was measured, for example {@code acquire p50}
 * @param unit {@code ms}, {@code ops/s}, ...
 * @param better which direction is better
 * @param rounds the value of each round
 * @param floorLibrary the floor figure of the same server to compare with (a library in
 * the {@code floor} section), or {@code null}
 * @param floorMetric the metric of that floor figure
 */
record Figure(String section, String server, String library, String metric, String unit, Better better,
		double[] rounds, @Nullable String floorLibrary, @Nullable String floorMetric) {

	static final String FLOOR = "floor";

	static final String DLOCK = "dlock";

	Figure {
		Objects.requireNonNull(section, "'section' must not be null");
		rounds = rounds.clone();
	}

	double median() {
		return Stats.median(this.rounds);
	}

	double min() {
		return Stats.min(this.rounds);
	}

	double max() {
		return Stats.max(this.rounds);
	}

	boolean isDlock() {
		return this.library.equals(DLOCK);
	}

	boolean isFloor() {
		return this.section.equals(FLOOR);
	}

	boolean isPeer() {
		return !isDlock() && !isFloor();
	}

	/** The same figure compared against a floor figure. */
	Figure withFloor(String library, String metric) {
		return new Figure(this.section, this.server, this.library, this.metric, this.unit, this.better, this.rounds,
				library, metric);
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof Figure figure) && this.section.equals(figure.section)
				&& this.server.equals(figure.server) && this.library.equals(figure.library)
				&& this.metric.equals(figure.metric) && Arrays.equals(this.rounds, figure.rounds);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.section, this.server, this.library, this.metric);
	}

	@Override
	public String toString() {
		return this.section + "/" + this.server + "/" + this.library + "/" + this.metric + " = "
				+ Format.number(median()) + " " + this.unit;
	}

	/** Which direction of a figure is better. */
	enum Better {

		/** Latency, memory, requests. */
		LOWER,

		/** Throughput. */
		HIGHER

	}

}
