package dev.dlock.support;

/**
 * A moment on the JVM's monotonic clock ({@link TimeSource#nanoTime()}) kept in an
 * {@code int} of milliseconds, for objects of which one lives per held lock. It wraps every
 * 24 days, so it is only compared with times within days of it. The caller rounds it the
 * safe way: up for a bound that must not come early, down for one that must not come late.
 *
 * @since 0.1.0
 */
public final class CompactDeadline {

	private static final long NANOS_PER_MILLI = 1_000_000;

	private CompactDeadline() {
	}

	/**
	 * The deadline of a moment, never earlier than it.
	 * @param nanos the moment, in nanoseconds of the monotonic clock
	 * @return the moment in milliseconds, rounded up, wrapped to an {@code int}
	 */
	public static int roundedUp(long nanos) {
		return (int) -Math.floorDiv(-nanos, NANOS_PER_MILLI);
	}

	/**
	 * The deadline of a moment, never later than it.
	 * @param nanos the moment, in nanoseconds of the monotonic clock
	 * @return the moment in milliseconds, rounded down, wrapped to an {@code int}
	 */
	public static int roundedDown(long nanos) {
		return (int) Math.floorDiv(nanos, NANOS_PER_MILLI);
	}

	/**
	 * The later of two deadlines.
	 * @param first a deadline
	 * @param second another deadline
	 * @return the one that comes later
	 */
	public static int later(int first, int second) {
		return (second - first > 0) ? second : first;
	}

	/**
	 * How long from a time to a deadline.
	 * @param deadline the deadline
	 * @param nanos the time, in nanoseconds of the monotonic clock
	 * @return the nanoseconds until the deadline, negative once it is past
	 */
	public static long nanosUntil(int deadline, long nanos) {
		long nowMillis = Math.floorDiv(nanos, NANOS_PER_MILLI);
		long deadlineMillis = nowMillis + (deadline - (int) nowMillis);
		return deadlineMillis * NANOS_PER_MILLI - nanos;
	}

	/**
	 * Whether a time has reached a deadline.
	 * @param deadline the deadline
	 * @param nanos the time, in nanoseconds of the monotonic clock
	 * @return whether the time is at or past the deadline
	 */
	public static boolean isReached(int deadline, long nanos) {
		return roundedDown(nanos) - deadline >= 0;
	}

}
