package dev.dlock.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The result of a backend health check. Details never carry credentials or owner ids.
 *
 * @param up whether the backend answered
 * @param roundTrip how long the check took
 * @param reason why the backend is down, or {@code null} when up
 * @param details extra facts for the health endpoint (server version, for example)
 * @since 0.1.0
 */
public record BackendHealth(boolean up, Duration roundTrip, @Nullable String reason, Map<String, Object> details) {

	/**
	 * Creates a health result, copying the details.
	 * @param up whether the backend answered
	 * @param roundTrip how long the check took
	 * @param reason why the backend is down, or {@code null} when up
	 * @param details extra facts for the health endpoint
	 */
	public BackendHealth {
		Objects.requireNonNull(roundTrip, "'roundTrip' must not be null");
		details = Map.copyOf(details);
	}

	/**
	 * A healthy result.
	 * @param roundTrip how long the check took
	 * @param details extra facts
	 * @return the result
	 */
	public static BackendHealth up(Duration roundTrip, Map<String, Object> details) {
		return new BackendHealth(true, roundTrip, null, details);
	}

	/**
	 * An unhealthy result.
	 * @param roundTrip how long the check took until it failed
	 * @param reason why, without credentials
	 * @return the result
	 */
	public static BackendHealth down(Duration roundTrip, String reason) {
		return new BackendHealth(false, roundTrip, reason, Map.of());
	}

}
