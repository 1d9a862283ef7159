package dev.dlock.observation;

import dev.dlock.LockMode;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What a hold observation knows: a granted lock from grant to release or loss.
 *
 * @since 0.1.0
 */
public final class LockHoldContext extends Observation.Context {

	private final String backend;

	private final String key;

	private final LockMode mode;

	private final long fencingToken;

	private @Nullable Outcome outcome;

	/**
	 * Creates a context.
	 * @param backend the backend name
	 * @param key the lock key (high cardinality; never a metric tag)
	 * @param mode the granted mode
	 * @param fencingToken the grant's fencing token
	 */
	public LockHoldContext(String backend, String key, LockMode mode, long fencingToken) {
		this.backend = backend;
		this.key = key;
		this.mode = mode;
		this.fencingToken = fencingToken;
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
	 * The granted mode.
	 * @return the mode
	 */
	public LockMode getMode() {
		return this.mode;
	}

	/**
	 * The grant's fencing token.
	 * @return the token
	 */
	public long getFencingToken() {
		return this.fencingToken;
	}

	/**
	 * How the hold ended, or {@code null} while the lock is held.
	 * @return the outcome
	 */
	public @Nullable Outcome getOutcome() {
		return this.outcome;
	}

	/**
	 * Records how the hold ended.
	 * @param outcome the outcome
	 */
	public void setOutcome(Outcome outcome) {
		this.outcome = outcome;
	}

	/**
	 * How a hold ends.
	 */
	public enum Outcome {

		/** The holder released the lock. */
		RELEASED,

		/** The lease could no longer be proved alive. */
		LOST

	}

}
