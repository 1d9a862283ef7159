package dev.dlock.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * What the server said about a queue entry.
 *
 * @param status granted, waiting, rejected (a try that would wait) or gone
 * @param recheckAfter for a waiting entry: when the engine should poll again even without
 * a signal, typically the remaining lease of the entry that blocks it; the engine caps it
 * @since 0.1.0
 */
public record QueueState(Status status, Duration recheckAfter) {

	/** The state of a granted entry. */
	public static final QueueState GRANTED = new QueueState(Status.GRANTED, Duration.ZERO);

	/** The state of a try that would have had to wait; nothing was recorded. */
	public static final QueueState REJECTED = new QueueState(Status.REJECTED, Duration.ZERO);

	/** The state of an entry that no longer exists. */
	public static final QueueState GONE = new QueueState(Status.GONE, Duration.ZERO);

	/**
	 * Creates a state, checking the arguments.
	 * @param status granted, waiting, rejected or gone
	 * @param recheckAfter when a waiting entry should be polled again
	 */
	public QueueState {
		Objects.requireNonNull(status, "'status' must not be null");
		Objects.requireNonNull(recheckAfter, "'recheckAfter' must not be null");
	}

	/**
	 * The state of a waiting entry.
	 * @param recheckAfter when to poll again without a signal
	 * @return the state
	 */
	public static QueueState waiting(Duration recheckAfter) {
		return new QueueState(Status.WAITING, recheckAfter.isNegative() ? Duration.ZERO : recheckAfter);
	}

	/**
	 * The kinds of state.
	 */
	public enum Status {

		/** The entry is granted. */
		GRANTED,

		/** The entry waits behind an earlier conflicting entry. */
		WAITING,

		/** A try that would have waited; nothing was recorded. */
		REJECTED,

		/** The entry no longer exists on the server. */
		GONE

	}

}
