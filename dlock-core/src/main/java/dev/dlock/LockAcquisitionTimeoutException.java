package dev.dlock;

import java.time.Duration;

/**
 * Thrown when a lock could not be acquired within its wait time. The waiting request has
 * been withdrawn.
 *
 * @since 0.1.0
 */
public class LockAcquisitionTimeoutException extends DistributedLockException {

	/**
	 * Creates an exception.
	 * @param key the lock key
	 * @param mode the requested mode
	 * @param waitTime how long the request waited
	 */
	public LockAcquisitionTimeoutException(String key, LockMode mode, Duration waitTime) {
		super("Lock '" + key + "' in mode " + mode + " was not acquired within " + waitTime, null);
	}

}
