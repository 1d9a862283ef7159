package dev.dlock;

import java.util.function.Consumer;

/**
 * A granted lock. Closing or releasing the handle gives the lock back.
 * <p>
 * Thread-safe: a handle may be released from any thread, which asynchronous and reactive
 * code needs. While the handle is held, the lock manager renews its lease in the
 * background. When the manager can no longer prove the lease alive (measured on its own
 * monotonic clock from the moment the last successful renewal was sent), the handle turns
 * invalid at once and its loss listeners run.
 *
 * @since 0.1.0
 */
public interface LockHandle extends AutoCloseable {

	/**
	 * The key this lock was acquired for.
	 * @return the key as the user gave it
	 */
	String key();

	/**
	 * The mode this lock was granted in.
	 * @return the mode
	 */
	LockMode mode();

	/**
	 * The fencing token of this grant: strictly larger than the token of every earlier
	 * conflicting grant on the same key. Pass it to a resource that rejects lower tokens to
	 * make a paused holder harmless. A re-entrant hold has the token of the first hold.
	 * @return the token
	 */
	long fencingToken();

	/**
	 * Whether the lock is still held: not released, not lost, and its lease proved alive by
	 * a renewal sent less than one lease time ago. Never blocks.
	 * @return {@code true} while the lock is held
	 */
	boolean isValid();

	/**
	 * Throws unless the lock is still held; call it before a side effect that needs the
	 * lock.
	 * @throws LockLostException if the lock was lost or released
	 */
	void ensureValid();

	/**
	 * Registers a listener that is told once when the lock is lost. It is not called on a
	 * normal release. A listener registered after the loss is called at once. Listeners run
	 * on the manager's callback executor and should be quick.
	 * @param listener receives the reason of the loss
	 */
	void onLost(Consumer<LockLostException> listener);

	/**
	 * Gives the lock back. Idempotent and non-blocking: renewal stops at once, and the
	 * backend removes the grant in the background, retrying until it confirms or the lease
	 * has run out. Only this owner's grant is ever removed.
	 */
	void release();

	/**
	 * Same as {@link #release()}, for try-with-resources.
	 */
	@Override
	default void close() {
		release();
	}

}
