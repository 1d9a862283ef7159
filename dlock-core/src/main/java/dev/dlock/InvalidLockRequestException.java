package dev.dlock;

/**
 * Thrown for a request that can never succeed as asked: a bad key, or a thread asking for
 * a stronger mode on a key it already holds (which would wait for itself forever).
 *
 * @since 0.1.0
 */
public class InvalidLockRequestException extends DistributedLockException {

	/**
	 * Creates an exception.
	 * @param message what is wrong with the request
	 */
	public InvalidLockRequestException(String message) {
		super(message, null);
	}

}
