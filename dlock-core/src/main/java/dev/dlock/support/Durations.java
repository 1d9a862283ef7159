package dev.dlock.support;

import java.time.Duration;
import java.util.Objects;

/**
 * Checks of the durations that builders and backends are given.
 *
 * @since 0.1.0
 */
public final class Durations {

	private Durations() {
	}

	/**
	 * Checks that a duration is set and positive.
	 * @param value the duration
	 * @param name the name of the setting, for the message
	 * @return the duration
	 * @throws NullPointerException if the duration is {@code null}
	 * @throws IllegalArgumentException if the duration is zero or negative
	 */
	public static Duration positive(Duration value, String name) {
		Objects.requireNonNull(value, () -> "'" + name + "' must not be null");
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("'" + name + "' must be positive");
		}
		return value;
	}

}
