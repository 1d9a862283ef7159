package dev.dlock;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Unwraps failures of futures into dlock's exceptions.
 */
final class Futures {

	private Futures() {
	}

	static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	static DistributedLockException toLockException(Throwable failure, String action) {
		Throwable cause = unwrap(failure);
		if (cause instanceof DistributedLockException lockException) {
			return lockException;
		}
		return new LockBackendException(action + " failed: " + cause, cause);
	}

}
