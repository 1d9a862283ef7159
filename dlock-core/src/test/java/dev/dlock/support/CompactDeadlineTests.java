package dev.dlock.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A monotonic moment kept in an {@code int} of milliseconds.
 */
class CompactDeadlineTests {

	private static final long MILLI = 1_000_000;

	/** Just before the milliseconds of the monotonic clock wrap around an {@code int}. */
	private static final long BEFORE_WRAP = (Integer.MAX_VALUE - 10L) * MILLI;

	@Test
	void roundedUpItIsNeverReachedEarly() {
		int deadline = CompactDeadline.roundedUp(5_000_001);
		assertThat(CompactDeadline.isReached(deadline, 5_000_001)).isFalse();
		assertThat(CompactDeadline.isReached(deadline, 5_999_999)).isFalse();
		assertThat(CompactDeadline.isReached(deadline, 6_000_000)).isTrue();
		assertThat(CompactDeadline.isReached(CompactDeadline.roundedUp(6_000_000), 6_000_000)).isTrue();
	}

	@Test
	void roundedDownItIsNeverReachedLate() {
		int deadline = CompactDeadline.roundedDown(5_999_999);
		assertThat(CompactDeadline.isReached(deadline, 4_999_999)).isFalse();
		assertThat(CompactDeadline.isReached(deadline, 5_000_000)).isTrue();
		assertThat(CompactDeadline.nanosUntil(deadline, 4_000_000)).isEqualTo(MILLI);
	}

	@Test
	void worksOnANegativeClock() {
		int up = CompactDeadline.roundedUp(-5_500_000);
		assertThat(CompactDeadline.isReached(up, -5_000_001)).isFalse();
		assertThat(CompactDeadline.isReached(up, -5_000_000)).isTrue();
		int down = CompactDeadline.roundedDown(-5_500_000);
		assertThat(CompactDeadline.nanosUntil(down, -5_500_000)).isEqualTo(-500_000);
	}

	@Test
	void comparesAcrossTheWrapOfTheInt() {
		int deadline = CompactDeadline.roundedUp(BEFORE_WRAP + 20 * MILLI);
		assertThat(deadline).isNegative();
		assertThat(CompactDeadline.isReached(deadline, BEFORE_WRAP)).isFalse();
		assertThat(CompactDeadline.isReached(deadline, BEFORE_WRAP + 20 * MILLI)).isTrue();
		assertThat(CompactDeadline.nanosUntil(deadline, BEFORE_WRAP)).isEqualTo(20 * MILLI);
		assertThat(CompactDeadline.nanosUntil(deadline, BEFORE_WRAP + 30 * MILLI + 1)).isEqualTo(-10 * MILLI - 1);
	}

	@Test
	void theLaterOfTwoDeadlinesAcrossTheWrap() {
		int beforeWrap = CompactDeadline.roundedDown(BEFORE_WRAP);
		int afterWrap = CompactDeadline.roundedDown(BEFORE_WRAP + 20 * MILLI);
		assertThat(afterWrap).isLessThan(beforeWrap);
		assertThat(CompactDeadline.later(beforeWrap, afterWrap)).isEqualTo(afterWrap);
		assertThat(CompactDeadline.later(afterWrap, beforeWrap)).isEqualTo(afterWrap);
		assertThat(CompactDeadline.later(beforeWrap, beforeWrap)).isEqualTo(beforeWrap);
	}

}
