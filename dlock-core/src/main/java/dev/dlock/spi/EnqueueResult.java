package dev.dlock.spi;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The reply to {@link LockSession#enqueue}.
 *
 * @param entry the recorded entry, or {@code null} when the state is
 * {@link QueueState.Status#REJECTED}
 * @param state granted, waiting or rejected
 * @since 0.1.0
 */
public record EnqueueResult(@Nullable QueueEntry entry, QueueState state) {

	/**
	 * Creates a result, checking that only a rejection comes without an entry.
	 * @param entry the recorded entry, or {@code null} for a rejection
	 * @param state granted, waiting or rejected
	 */
	public EnqueueResult {
		Objects.requireNonNull(state, "'state' must not be null");
		if ((entry == null) != (state.status() == QueueState.Status.REJECTED)) {
			throw new IllegalArgumentException("'entry' must be null exactly when the request was rejected");
		}
	}

	/**
	 * The result of a try that would have had to wait.
	 * @return the result
	 */
	public static EnqueueResult rejected() {
		return new EnqueueResult(null, QueueState.REJECTED);
	}

}
