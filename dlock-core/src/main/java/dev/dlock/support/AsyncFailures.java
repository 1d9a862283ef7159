package dev.dlock.support;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import dev.dlock.DistributedLockException;
import dev.dlock.LockBackendException;

/**
 * Turns the failures of futures into dlock's exceptions, for the engine and backends.
 *
 * @since 0.1.0
 */
public final class AsyncFailures {

	private AsyncFailures() {
	}

	/**
	 * Strips the {@link CompletionException} and {@link ExecutionException} wrappers that
	 * futures add.
	 * @param failure a failure as a future reported it
	 * @return the underlying cause
	 */
	public static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	/**
	 * The failure as a dlock exception: itself if it already is one, otherwise a
	 * {@link LockBackendException} that names the action.
	 * @param failure a failure as a future reported it
	 * @param action what was being done, for the message ("Renewing 3 locks")
	 * @return the exception to throw or complete with
	 */
	public static DistributedLockException toLockException(Throwable failure, String action) {
		Throwable cause = unwrap(failure);
		if (cause instanceof DistributedLockException lockException) {
			return lockException;
		}
		return new LockBackendException(action + " failed: " + cause, cause);
	}

}
