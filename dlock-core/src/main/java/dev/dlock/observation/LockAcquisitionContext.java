package dev.dlock.observation;

import dev.dlock.LockMode;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an acquisition observation knows: from the request to its outcome.
 *
 * @since 0.1.0
 */
public final class LockAcquisitionContext extends Observation.Context {

	private final String backend;

	private final String key;

	private final LockMode mode;

	private @Nullable Outcome outcome;

	/**
	 * Creates a context.
	 * @param backend the backend name
	 * @param key the lock key (high cardinality; never a metric tag)
	 * @param mode the requested mode
	 */
	public LockAcquisitionContext(String backend, String key, LockMode mode) {
		this.backend = backend;
		this.key = key;
		this.mode = mode;
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
	 * The requested mode.
	 * @return the mode
	 */
	public LockMode getMode() {
		return this.mode;
	}

	/**
	 * How the acquisition ended, or {@code null} while it runs.
	 * @return the outcome
	 */
	public @Nullable Outcome getOutcome() {
		return this.outcome;
	}

	/**
	 * Records how the acquisition ended.
	 * @param outcome the outcome
	 */
	public void setOutcome(Outcome outcome) {
		this.outcome = outcome;
	}

	/**
	 * How an acquisition ends.
	 */
	public enum Outcome {

		/** The lock was granted. */
		ACQUIRED,

		/** A try found the key busy. */
		BUSY,

		/** The wait time ran out. */
		TIMEOUT,

		/** The caller cancelled or was interrupted, or the manager closed. */
		CANCELLED,

		/** The backend failed. */
		ERROR

	}

}
