package dev.dlock;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a lock that was granted can no longer be proved alive: its lease ran out
 * before a renewal reached the backend, or the backend no longer has the grant. Also
 * thrown when a released lock is used.
 * <p>
 * It names the lock: its key, the mode it was held in and the fencing token of that
 * grant, so that a caller that runs several locked tasks knows which one lost its lock.
 *
 * @since 0.1.0
 */
public class LockLostException extends DistributedLockException {

	/** The key of the lock that was lost. */
	private final String key;

	/** The mode the lock was held in. */
	private final LockMode mode;

	/** The fencing token of the grant that was lost. */
	private final long fencingToken;

	/**
	 * Creates an exception.
	 * @param key the key of the lock
	 * @param mode the mode the lock was held in
	 * @param fencingToken the fencing token of the grant
	 * @param message what was lost and why
	 * @param cause the cause, if any
	 */
	public LockLostException(String key, LockMode mode, long fencingToken, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.key = Objects.requireNonNull(key, "'key' must not be null");
		this.mode = Objects.requireNonNull(mode, "'mode' must not be null");
		this.fencingToken = fencingToken;
	}

	/**
	 * The key of the lock that was lost.
	 * @return the key as the user gave it
	 */
	public String key() {
		return this.key;
	}

	/**
	 * The mode the lock was held in when it was lost.
	 * @return the mode
	 */
	public LockMode mode() {
		return this.mode;
	}

	/**
	 * The fencing token of the grant that was lost.
	 * @return the token
	 */
	public long fencingToken() {
		return this.fencingToken;
	}

}
