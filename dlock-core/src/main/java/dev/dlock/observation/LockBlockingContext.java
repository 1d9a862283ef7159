package dev.dlock.observation;

import dev.dlock.LockMode;
import io.micrometer.observation.Observation;

/**
 * The context of a {@code dlock.blocking} observation: one blocking notification, telling
 * a holder that a request or conversion in a conflicting mode waits for it.
 *
 * @since 0.1.0
 */
public final class LockBlockingContext extends Observation.Context {

	private final String backend;

	private final String key;

	private final LockMode heldMode;

	private final LockMode blockedMode;

	/**
	 * Creates a context.
	 * @param backend the backend's name
	 * @param key the lock key
	 * @param heldMode the mode the notified holder holds
	 * @param blockedMode the mode of the request or conversion that waits
	 */
	public LockBlockingContext(String backend, String key, LockMode heldMode, LockMode blockedMode) {
		this.backend = backend;
		this.key = key;
		this.heldMode = heldMode;
		this.blockedMode = blockedMode;
	}

	/**
	 * The backend's name.
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
	 * The mode the notified holder holds.
	 * @return the mode
	 */
	public LockMode getHeldMode() {
		return this.heldMode;
	}

	/**
	 * The mode of the request or conversion that waits.
	 * @return the mode
	 */
	public LockMode getBlockedMode() {
		return this.blockedMode;
	}

}
