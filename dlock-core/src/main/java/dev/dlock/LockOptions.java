package dev.dlock;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * How long to wait for a lock and how long its lease lasts.
 * <p>
 * Immutable and thread-safe. A {@code null} lease time means the lock manager's default.
 *
 * @param waitTime how long {@code acquire} waits before it gives up; zero means do not
 * wait
 * @param leaseTime how long the backend keeps the lock alive after the last renewal, or
 * {@code null} for the manager's default
 * @since 0.1.0
 */
public record LockOptions(Duration waitTime, @Nullable Duration leaseTime) {

	/**
	 * Creates options, checking the arguments.
	 * @param waitTime how long {@code acquire} waits
	 * @param leaseTime the lease time, or {@code null} for the manager's default
	 * @throws IllegalArgumentException if a duration is negative or the lease is not
	 * positive
	 */
	public LockOptions {
		Objects.requireNonNull(waitTime, "'waitTime' must not be null");
		if (waitTime.isNegative()) {
			throw new IllegalArgumentException("'waitTime' must not be negative");
		}
		if (leaseTime != null && (leaseTime.isNegative() || leaseTime.isZero())) {
			throw new IllegalArgumentException("'leaseTime' must be positive");
		}
	}

	/**
	 * Options that wait up to {@code waitTime} with the default lease.
	 * @param waitTime how long to wait
	 * @return the options
	 */
	public static LockOptions waitTime(Duration waitTime) {
		return new LockOptions(waitTime, null);
	}

	/**
	 * Options that do not wait, with the default lease.
	 * @return the options
	 */
	public static LockOptions noWait() {
		return new LockOptions(Duration.ZERO, null);
	}

	/**
	 * A copy of these options with another lease time.
	 * @param leaseTime the lease time
	 * @return the new options
	 */
	public LockOptions withLeaseTime(Duration leaseTime) {
		return new LockOptions(this.waitTime, leaseTime);
	}

}
