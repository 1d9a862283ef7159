package dev.dlock;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when the backend cannot be reached or fails an operation, or when the lock
 * manager was closed.
 *
 * @since 0.1.0
 */
public class LockBackendException extends DistributedLockException {

	/**
	 * Creates an exception.
	 * @param message what failed
	 * @param cause the cause, if any
	 */
	public LockBackendException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
