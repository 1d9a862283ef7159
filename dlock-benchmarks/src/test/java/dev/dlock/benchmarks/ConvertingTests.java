package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.BackendCapability;
import dev.dlock.tck.ForwardingLockBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.within;

/**
 * The conversion case in a tiny run on the in-memory backend (also posing as a server
 * with a paired floor operation), and on a backend that cannot convert.
 */
class ConvertingTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	/** Two rounds of 50 ms after a 50 ms warm-up. */
	private static final Settings TINY = new Settings(true, 2, Duration.ofMillis(50), Duration.ofMillis(50), 1,
			Duration.ofMillis(50), 1, LEASE, Duration.ofMillis(50), 1, LEASE);

	@Test
	void tinyRunOnMemoryReportsEveryConversionRow() throws Exception {
		Results results = new Results();
		Converting.run(TINY, results, DlockLibrary.shared("memory", InMemoryLockBackend.create(), LEASE));
		assertThat(results.figures()).allSatisfy((figure) -> {
			assertThat(figure.section()).isEqualTo(Converting.SECTION);
			assertThat(figure.server()).isEqualTo("memory");
			assertThat(figure.isDlock()).isTrue();
			assertThat(figure.rounds()).hasSize(2);
			assertThat(Stats.min(figure.rounds())).isPositive();
			assertThat(figure.floorLibrary()).as("memory has no server to compare with").isNull();
		})
			.extracting(Figure::metric)
			.containsExactly("ops/s", "round trip p50", "convert p50", "convert p99", "upgrade p50", "upgrade p99",
					"acquire p50", "acquire p99");
		assertThat(Target.evaluate(results)).filteredOn((target) -> target.issue() == 15
				&& target.server().equals("memory"))
			.singleElement()
			.satisfies((target) -> assertThat(target.measured()).isTrue());
	}

	@Test
	void pairedFloorIsTimedInTheSameRoundsAndTheRatioIsTakenPerRound() throws Exception {
		AtomicInteger rawCalls = new AtomicInteger();
		AtomicInteger closed = new AtomicInteger();
		ConversionFloor.Opener floor = () -> new ConversionFloor() {

			@Override
			void run() {
				rawCalls.incrementAndGet();
			}

			@Override
			public void close() {
				closed.incrementAndGet();
			}

		};
		InMemoryLockBackend memory = InMemoryLockBackend.create();
		DlockLibrary library = DlockLibrary.of("redis", () -> new DlockLibrary.OwnBackend(memory, () -> {
		}, floor), LEASE);
		Results results = new Results();
		Converting.run(TINY, results, library);
		assertThat(rawCalls).hasPositiveValue();
		assertThat(closed).hasValue(1);
		Figure convert = results.find(Converting.SECTION, "redis", Figure.DLOCK, "convert p50").orElseThrow();
		Figure raw = results.find(Converting.SECTION, "redis", Figure.DLOCK, "paired floor p50").orElseThrow();
		Figure ratio = results.find(Converting.SECTION, "redis", Figure.DLOCK, Converting.PAIRED_RATIO)
			.orElseThrow();
		assertThat(ratio.rounds()).hasSize(2);
		for (int round = 0; round < 2; round++) {
			assertThat(ratio.rounds()[round])
				.isCloseTo(convert.rounds()[round] / raw.rounds()[round], within(1e-9));
		}
		assertThat(Target.evaluate(results)).filteredOn((target) -> target.issue() == 15
				&& target.server().equals("redis") && target.text().startsWith("a conversion round trip"))
			.singleElement()
			.satisfies((target) -> assertThat(target.ratio()).isEqualTo(ratio.median()));
	}

	@Test
	void backendWithoutConversionFailsTheCaseWithTheEnginesMessage() {
		InMemoryLockBackend memory = InMemoryLockBackend.create();
		ForwardingLockBackend withoutConversion = new ForwardingLockBackend(memory) {
			@Override
			public Set<BackendCapability> capabilities() {
				Set<BackendCapability> capabilities = EnumSet.noneOf(BackendCapability.class);
				capabilities.addAll(memory.capabilities());
				capabilities.remove(BackendCapability.CONVERSION);
				return capabilities;
			}
		};
		Results results = new Results();
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> Converting.run(TINY, results, DlockLibrary.shared("nats", withoutConversion, LEASE)))
			.withMessageContaining("cannot convert");
		assertThat(results.figures()).isEmpty();
	}

}
