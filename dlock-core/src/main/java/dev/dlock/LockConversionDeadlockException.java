package dev.dlock;

/**
 * A conversion that could never be granted: it would wait for a conversion on the same
 * lock that waits for it (two {@link LockMode#PR} holders both asking for
 * {@link LockMode#EX}, for example). The later of the two is refused at once and keeps
 * its mode; the earlier proceeds once the later one's holder releases or converts down.
 *
 * @since 0.1.0
 */
public class LockConversionDeadlockException extends DistributedLockException {

	/**
	 * Creates the exception.
	 * @param key the lock key
	 * @param from the mode the handle keeps
	 * @param to the mode it asked for
	 */
	public LockConversionDeadlockException(String key, LockMode from, LockMode to) {
		super("Converting lock '" + key + "' from " + from + " to " + to
				+ " would wait for a conversion that waits for it: refused; the lock stays in mode " + from, null);
	}

}
