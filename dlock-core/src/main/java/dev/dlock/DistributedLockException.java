package dev.dlock;

import org.jspecify.annotations.Nullable;

/**
 * Root of the exceptions that dlock throws. Unchecked; contention alone is never an
 * exception.
 *
 * @since 0.1.0
 */
public class DistributedLockException extends RuntimeException {

	/**
	 * Creates an exception.
	 * @param message what went wrong
	 * @param cause the cause, if any
	 */
	public DistributedLockException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
