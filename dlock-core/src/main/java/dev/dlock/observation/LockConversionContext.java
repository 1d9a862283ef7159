package dev.dlock.observation;

import java.util.concurrent.CancellationException;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockConversionDeadlockException;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What a conversion observation knows: from the request to change a held lock's mode to
 * its outcome.
 *
 * @since 0.1.0
 */
public final class LockConversionContext extends Observation.Context {

	private final String backend;

	private final String key;

	private final LockMode from;

	private final LockMode to;

	private @Nullable Outcome outcome;

	/**
	 * Creates a context.
	 * @param backend the backend name
	 * @param key the lock key (high cardinality; never a metric tag)
	 * @param from the mode held
	 * @param to the mode asked for
	 */
	public LockConversionContext(String backend, String key, LockMode from, LockMode to) {
		this.backend = backend;
		this.key = key;
		this.from = from;
		this.to = to;
	}

	/**
	 * The backend name.
	 * @return the name
	 */
	public String getBackend() {
		return this.backend;
	}

	/**
	 * The lock key.
	 * @return the key
	 */
	public String getKey() {
		return this.key;
	}

	/**
	 * The mode held when the conversion started.
	 * @return the mode
	 */
	public LockMode getFrom() {
		return this.from;
	}

	/**
	 * The mode asked for.
	 * @return the mode
	 */
	public LockMode getTo() {
		return this.to;
	}

	/**
	 * How the conversion ended, or {@code null} while it runs.
	 * @return the outcome
	 */
	public @Nullable Outcome getOutcome() {
		return this.outcome;
	}

	/**
	 * Records how the conversion ended.
	 * @param outcome the outcome
	 */
	public void setOutcome(Outcome outcome) {
		this.outcome = outcome;
	}

	/**
	 * How a conversion ends.
	 */
	public enum Outcome {

		/** The new mode was granted. */
		CONVERTED,

		/** A try found the lock busy; the old mode is kept. */
		BUSY,

		/** Refused as a conversion deadlock; the old mode is kept. */
		DEADLOCK,

		/** The wait time ran out; the old mode is kept. */
		TIMEOUT,

		/** The caller cancelled or was interrupted, or the lock was released. */
		CANCELLED,

		/** The lock was lost while converting. */
		LOST,

		/** The backend failed; the old mode is kept. */
		FAILED;

		/**
		 * The outcome of a conversion that ended as given.
		 * @param converted whether it was granted
		 * @param failure why it ended without a grant, or {@code null} for a busy try
		 * @return the outcome
		 */
		public static Outcome of(boolean converted, @Nullable Throwable failure) {
			if (converted) {
				return CONVERTED;
			}
			if (failure == null) {
				return BUSY;
			}
			if (failure instanceof LockConversionDeadlockException) {
				return DEADLOCK;
			}
			if (failure instanceof LockAcquisitionTimeoutException) {
				return TIMEOUT;
			}
			if (failure instanceof CancellationException || failure instanceof InterruptedException) {
				return CANCELLED;
			}
			if (failure instanceof LockLostException) {
				return LOST;
			}
			return FAILED;
		}

	}

}
