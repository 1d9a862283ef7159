package dev.dlock;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a lock that was granted can no longer be proved alive: its lease ran out
 * before a renewal reached the backend, or the backend no longer has the grant.
 *
 * @since 0.1.0
 */
public class LockLostException extends DistributedLockException {

	/**
	 * Creates an exception.
	 * @param message what was lost and why
	 * @param cause the cause, if any
	 */
	public LockLostException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
