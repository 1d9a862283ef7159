package dev.dlock.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * What the server said about a queue entry.
 *
 * @param status granted, waiting, rejected (a try that would wait), refused as a conversion
 * deadlock, or gone
 * @param recheckAfter for a waiting entry: when the engine should poll again even without
 * a signal, typically the remaining lease of the entry that blocks it; the engine caps it
 * @param newToken for a grant: the fencing token the server drew for it, or
 * {@link #TICKET_TOKEN} when the token is the entry's ticket
 * @since 0.1.0
 */
public record QueueState(Status status, Duration recheckAfter, long newToken) {

	/** The {@link #newToken()} of a grant whose fencing token is the entry's ticket. */
	public static final long TICKET_TOKEN = 0;

	/** The state of an entry granted with its ticket as fencing token. */
	public static final QueueState GRANTED = new QueueState(Status.GRANTED, Duration.ZERO, TICKET_TOKEN);

	/** The state of a try that would have had to wait; nothing was recorded. */
	public static final QueueState REJECTED = new QueueState(Status.REJECTED, Duration.ZERO, TICKET_TOKEN);

	/** The state of an entry that no longer exists. */
	public static final QueueState GONE = new QueueState(Status.GONE, Duration.ZERO, TICKET_TOKEN);

	/**
	 * The state of a conversion refused because it would wait for a conversion that waits
	 * for it; nothing was recorded.
	 */
	public static final QueueState DEADLOCK = new QueueState(Status.DEADLOCK, Duration.ZERO, TICKET_TOKEN);

	/**
	 * Creates a state, checking the arguments.
	 * @param status granted, waiting, rejected or gone
	 * @param recheckAfter when a waiting entry should be polled again
	 * @param newToken a grant's own fencing token, or {@link #TICKET_TOKEN}
	 */
	public QueueState {
		Objects.requireNonNull(status, "'status' must not be null");
		Objects.requireNonNull(recheckAfter, "'recheckAfter' must not be null");
		if (newToken < 0 || (newToken != TICKET_TOKEN && status != Status.GRANTED)) {
			throw new IllegalArgumentException("'newToken' must be positive, and only for a grant");
		}
	}

	/**
	 * The state of an entry granted with a fencing token the server drew for this grant: a
	 * granted conversion, or a request granted after a conversion on its resource.
	 * @param token the new token, larger than every token issued on the resource before
	 * @return the state
	 */
	public static QueueState granted(long token) {
		if (token <= 0) {
			throw new IllegalArgumentException("'token' must be positive");
		}
		return new QueueState(Status.GRANTED, Duration.ZERO, token);
	}

	/**
	 * The fencing token of a grant.
	 * @param ticket the ticket of the granted entry
	 * @return the token the server drew, or the ticket
	 */
	public long tokenFor(long ticket) {
		return (this.newToken != TICKET_TOKEN) ? this.newToken : ticket;
	}

	/**
	 * The state of a waiting entry.
	 * @param recheckAfter when to poll again without a signal
	 * @return the state
	 */
	public static QueueState waiting(Duration recheckAfter) {
		return new QueueState(Status.WAITING, recheckAfter.isNegative() ? Duration.ZERO : recheckAfter,
				TICKET_TOKEN);
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
		GONE,

		/**
		 * A conversion that would wait for a conversion that waits for it; nothing was
		 * recorded.
		 */
		DEADLOCK

	}

}
