package dev.dlock.observation;

import io.micrometer.observation.Observation;

/**
 * What a renewal observation knows: one round that renews every entry of a session.
 *
 * @since 0.1.0
 */
public final class LockRenewalContext extends Observation.Context {

	private final String backend;

	private final int entries;

	private boolean succeeded;

	/**
	 * Creates a context.
	 * @param backend the backend name
	 * @param entries how many entries the round renews
	 */
	public LockRenewalContext(String backend, int entries) {
		this.backend = backend;
		this.entries = entries;
	}

	/**
	 * The backend name.
	 * @return the name
	 */
	public String getBackend() {
		return this.backend;
	}

	/**
	 * How many entries the round renews.
	 * @return the count
	 */
	public int getEntries() {
		return this.entries;
	}

	/**
	 * Whether the backend confirmed the round.
	 * @return {@code true} on success
	 */
	public boolean isSucceeded() {
		return this.succeeded;
	}

	/**
	 * Records whether the backend confirmed the round.
	 * @param succeeded the result
	 */
	public void setSucceeded(boolean succeeded) {
		this.succeeded = succeeded;
	}

}
