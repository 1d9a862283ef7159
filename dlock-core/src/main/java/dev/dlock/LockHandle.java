package dev.dlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
	 * Registers a blocking listener (DESIGN.md §12): it is told, with the requested mode,
	 * when a request or an up-conversion on this key waits in a mode that conflicts with
	 * the mode this lock holds now, so that the holder can finish, convert down or release.
	 * It is told at least once per blocked request or conversion (once each, as a rule; a
	 * request seen again after this lock changed mode may be told again), whichever
	 * manager or process asked, and never without a request seen waiting; one notice may
	 * stand for several requests in the same mode. Listeners run on the manager's callback
	 * executor and should be quick. A hold with no blocking listener costs nothing extra;
	 * one with a listener watches its key's queue until the lock is released or lost.
	 * @param listener receives the mode of the blocked request
	 * @throws UnsupportedOperationException if the backend cannot watch a lock's queue
	 */
	void onBlocking(Consumer<LockMode> listener);

	/**
	 * The value block of this lock's key (DESIGN.md §12): read from the server the first
	 * time it is asked for in a grant (a round trip), then answered from the handle until
	 * the lock changes mode. For a {@code PR}, {@code CW}, {@code PW} or {@code EX} hold
	 * that is the value as it stands for the whole hold, since no writer can commit while it
	 * is held; a {@code CR} hold is compatible with a {@code PW} writer, whose later write
	 * it does not see. After {@link #setValue} it is the value set, with this lock's token
	 * as version.
	 * @return the value; {@link LockValue#NONE} if no writer set one within the retention
	 * time
	 * @throws IllegalStateException if the lock is held in {@code NL}, which reads no value
	 * @throws LockLostException if the lock was released or lost
	 * @throws LockBackendException if the backend cannot be reached
	 * @throws UnsupportedOperationException if the backend keeps no value blocks
	 */
	LockValue value();

	/**
	 * Sets the value block of this lock's key (DESIGN.md §12). The backend writes it, with
	 * this lock's {@linkplain #fencingToken() token} as version, when the lock is released
	 * or converted out of {@code PW} and {@code EX}, before the release or conversion and
	 * only while this lock is still granted there: until then nobody else sees it, and a
	 * holder lost before it (a crash, a lease that ran out) never writes it and leaves the
	 * value invalid. The last value set wins.
	 * @param bytes the value, at most {@link LockValue#MAX_BYTES} bytes; copied
	 * @throws IllegalStateException if the lock is not held in {@code PW} or {@code EX}
	 * @throws IllegalArgumentException if the value is {@code null} or too long
	 * @throws LockLostException if the lock was released or lost
	 * @throws UnsupportedOperationException if the backend keeps no value blocks
	 */
	void setValue(byte[] bytes);

	/**
	 * Converts this lock to another mode in place, waiting at most {@code waitTime}
	 * (DESIGN.md §12): a down-conversion (to a mode this one {@link LockMode#covers covers})
	 * is granted at once; an up-conversion waits until the new mode is compatible with every
	 * other holder and with every conversion asked for before it, ahead of every new request.
	 * The handle keeps its key, identity and loss listeners; a granted conversion gets a new
	 * {@link #fencingToken()}, larger than every token issued on the key before. While an
	 * up-conversion waits, the old mode stays granted and protected; an up-conversion that
	 * times out, is interrupted or fails leaves the lock held in the old mode. A
	 * down-conversion is never withdrawn, since the server may let others in at once: the
	 * handle shows the weaker mode from the moment it is asked for (with its old token until
	 * the server's new one arrives), also when the call then times out, is interrupted,
	 * cancelled or fails.
	 * @param mode the new mode
	 * @param waitTime the longest to wait; positive
	 * @throws InterruptedException if the thread is interrupted while waiting
	 * @throws LockAcquisitionTimeoutException if the conversion was not granted in time
	 * @throws LockConversionDeadlockException if the conversion would wait for a conversion
	 * that waits for it
	 * @throws IllegalStateException if the handle is one of several re-entrant holds, or a
	 * conversion of it is pending already
	 * @throws LockLostException if the lock was released or lost
	 * @throws LockBackendException if the backend cannot be reached
	 */
	void convert(LockMode mode, Duration waitTime) throws InterruptedException;

	/**
	 * Converts this lock to another mode if that can be done without waiting; see
	 * {@link #convert(LockMode, Duration)}. A try that would wait leaves no trace.
	 * @param mode the new mode
	 * @return whether the lock is now held in the new mode
	 * @throws LockConversionDeadlockException if the conversion would wait for a conversion
	 * that waits for it
	 */
	boolean tryConvert(LockMode mode);

	/**
	 * Converts this lock to another mode without blocking; see
	 * {@link #convert(LockMode, Duration)}. A zero wait time tries once. Cancelling the
	 * future withdraws an up-conversion and leaves the old mode held (a down-conversion is
	 * never withdrawn).
	 * @param mode the new mode
	 * @param options the wait time (the lease time is the lock's own and is ignored)
	 * @return completes with this handle once converted, or exceptionally as
	 * {@link #convert(LockMode, Duration)} throws
	 */
	CompletableFuture<LockHandle> convertAsync(LockMode mode, LockOptions options);

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
