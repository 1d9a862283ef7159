package dev.dlock.benchmarks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class StatsTests {

	@Test
	void percentileIsTheNearestRank() {
		long[] sorted = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 };
		assertThat(Stats.percentile(sorted, 50)).isEqualTo(50);
		assertThat(Stats.percentile(sorted, 51)).isEqualTo(60);
		assertThat(Stats.percentile(sorted, 99)).isEqualTo(100);
		assertThat(Stats.percentile(sorted, 100)).isEqualTo(100);
		assertThat(Stats.percentile(sorted, 0)).isEqualTo(10);
		assertThat(Stats.percentile(sorted, 10)).isEqualTo(10);
		assertThat(Stats.percentile(sorted, 11)).isEqualTo(20);
	}

	@Test
	void percentileOfOneValueIsThatValue() {
		assertThat(Stats.percentile(new long[] { 7 }, 1)).isEqualTo(7);
		assertThat(Stats.percentile(new long[] { 7 }, 99)).isEqualTo(7);
	}

	@Test
	void percentileOfNothingIsNaN() {
		assertThat(Stats.percentile(new long[0], 50)).isNaN();
	}

	@Test
	void percentileOutsideZeroToHundredIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> Stats.percentile(new long[] { 1 }, 101))
			.withMessageContaining("'p'");
	}

	@Test
	void p99OfAThousandSamplesIgnoresTheTenLargest() {
		Samples samples = new Samples(8);
		for (int i = 1000; i >= 1; i--) {
			samples.add(i * 1_000_000L);
		}
		assertThat(samples.size()).isEqualTo(1000);
		assertThat(samples.percentileMillis(99)).isEqualTo(990.0);
		assertThat(samples.percentileMillis(50)).isEqualTo(500.0);
	}

	@Test
	void medianOfAnOddCountIsTheMiddleValue() {
		assertThat(Stats.median(new double[] { 5, 1, 3 })).isEqualTo(3);
	}

	@Test
	void medianOfAnEvenCountIsTheMeanOfTheMiddleValues() {
		assertThat(Stats.median(new double[] { 4, 1, 3, 2 })).isCloseTo(2.5, within(1e-12));
	}

	@Test
	void summariesIgnoreNaN() {
		double[] rounds = { Double.NaN, 2, 8, Double.NaN, 4 };
		assertThat(Stats.median(rounds)).isEqualTo(4);
		assertThat(Stats.min(rounds)).isEqualTo(2);
		assertThat(Stats.max(rounds)).isEqualTo(8);
		assertThat(Stats.median(new double[] { Double.NaN })).isNaN();
	}

	@Test
	void samplesGrowAndMerge() {
		Samples a = Samples.of(3, 1, 2);
		Samples b = new Samples(1);
		for (int i = 0; i < 100; i++) {
			b.add(10);
		}
		a.addAll(b);
		assertThat(a.size()).isEqualTo(103);
		assertThat(a.sorted()).startsWith(1, 2, 3, 10);
	}

}
