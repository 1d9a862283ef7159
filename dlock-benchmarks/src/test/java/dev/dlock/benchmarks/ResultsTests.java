package dev.dlock.benchmarks;

import dev.dlock.benchmarks.Figure.Better;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ResultsTests {

	private final Results results = new Results();

	@Test
	void aDlockFigureIsComparedWithTheFloorItNames() {
		this.results.add(Figure.FLOOR, "redis", "EVALSHA", "p50", "ms", Better.LOWER, new double[] { 0.2, 0.3, 0.25 });
		Figure dlock = this.results.add(new Figure("uncontended", "redis", Figure.DLOCK, "acquire p50", "ms",
				Better.LOWER, new double[] { 0.3 }, "EVALSHA", "p50"));
		Figure floor = this.results.floorOf(dlock).orElseThrow();
		assertThat(floor.library()).isEqualTo("EVALSHA");
		assertThat(Results.ratio(dlock, floor)).isCloseTo(1.2, within(1e-9));
	}

	@Test
	void aFloorOnAnotherServerIsNotUsed() {
		this.results.add(Figure.FLOOR, "etcd", "EVALSHA", "p50", "ms", Better.LOWER, new double[] { 0.2 });
		Figure dlock = this.results.add(new Figure("uncontended", "redis", Figure.DLOCK, "acquire p50", "ms",
				Better.LOWER, new double[] { 0.3 }, "EVALSHA", "p50"));
		assertThat(this.results.floorOf(dlock)).isEmpty();
	}

	@Test
	void theBestPeerOfALatencyIsTheLowest() {
		peer("Redisson RLock", "p50", 0.8);
		peer("Spring Integration pub/sub", "p50", 0.6);
		peer("Spring Integration spin", "p50", 55);
		Figure dlock = this.results.add("hand-off", "redis", Figure.DLOCK, "p50", "ms", Better.LOWER,
				new double[] { 0.3 });
		Figure best = this.results.bestPeerOf(dlock).orElseThrow();
		assertThat(best.library()).isEqualTo("Spring Integration pub/sub");
		assertThat(Results.ratio(dlock, best)).isCloseTo(0.5, within(1e-9));
	}

	@Test
	void theBestPeerOfAThroughputIsTheHighest() {
		this.results.add("uncontended", "redis", "Redisson RLock", "ops/s", "ops/s", Better.HIGHER,
				new double[] { 2900 });
		this.results.add("uncontended", "redis", "ShedLock", "ops/s", "ops/s", Better.HIGHER, new double[] { 4300 });
		this.results.add("uncontended", "etcd", "jetcd Lock", "ops/s", "ops/s", Better.HIGHER, new double[] { 9000 });
		Figure dlock = this.results.add("uncontended", "redis", Figure.DLOCK, "ops/s", "ops/s", Better.HIGHER,
				new double[] { 5000 });
		assertThat(this.results.bestPeerOf(dlock).orElseThrow().library()).isEqualTo("ShedLock");
	}

	@Test
	void neitherFloorsNorDlockAreThePeerOfAnything() {
		this.results.add(Figure.FLOOR, "redis", "PING", "p50", "ms", Better.LOWER, new double[] { 0.1 });
		Figure dlock = this.results.add("hand-off", "redis", Figure.DLOCK, "p50", "ms", Better.LOWER,
				new double[] { 0.3 });
		assertThat(this.results.bestPeerOf(dlock)).isEmpty();
		assertThat(Results.ratio(dlock, null)).isNaN();
	}

	@Test
	void theMedianAndTheRangeSummariseTheRounds() {
		Figure figure = this.results.add("contended", "redis", "Redisson RLock", "ops/s", "ops/s", Better.HIGHER,
				new double[] { 500, 700, 600, 900, 100 });
		assertThat(figure.median()).isEqualTo(600);
		assertThat(figure.min()).isEqualTo(100);
		assertThat(figure.max()).isEqualTo(900);
	}

	@Test
	void targetsCompareTheirRatioWithTheBound() {
		this.results.add(Figure.FLOOR, "redis", Floors.EVALSHA, "p50", "ms", Better.LOWER, new double[] { 0.2 });
		this.results.add("uncontended", "redis", Figure.DLOCK, "acquire p50", "ms", Better.LOWER, new double[] { 0.22 });
		this.results.add("uncontended", "redis", Figure.DLOCK, "ops/s", "ops/s", Better.HIGHER, new double[] { 3000 });
		this.results.add("uncontended", "redis", "Redisson RLock", "ops/s", "ops/s", Better.HIGHER,
				new double[] { 2900 });
		Target latency = Target.evaluate(this.results).get(0);
		Target throughput = Target.evaluate(this.results).get(1);
		Target missing = Target.evaluate(this.results).get(2);
		assertThat(latency.ratio()).isCloseTo(1.1, within(1e-9));
		assertThat(latency.verdict()).isEqualTo("met");
		assertThat(throughput.verdict()).isEqualTo("not met");
		assertThat(missing.verdict()).isEqualTo("not measured");
	}

	private void peer(String library, String metric, double value) {
		this.results.add("hand-off", "redis", library, metric, "ms", Better.LOWER, new double[] { value });
	}

}
