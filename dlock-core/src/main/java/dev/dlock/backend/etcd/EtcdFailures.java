package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.dlock.DistributedLockException;
import dev.dlock.LockBackendException;
import dev.dlock.support.AsyncFailures;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns jetcd and gRPC failures into dlock's exceptions, and recognises the ones the
 * backend handles itself.
 */
final class EtcdFailures {

	private static final Logger logger = LoggerFactory.getLogger(EtcdFailures.class);

	private EtcdFailures() {
	}

	/**
	 * The same future, failing with a {@link LockBackendException} that names the action
	 * (which must not contain owner ids or credentials).
	 */
	static <T> CompletableFuture<T> mapped(CompletableFuture<T> future, String action) {
		return future.handle((result, failure) -> {
			if (failure != null) {
				throw toBackendException(failure, action);
			}
			return result;
		});
	}

	static DistributedLockException toBackendException(Throwable failure, String action) {
		Throwable cause = AsyncFailures.unwrap(failure);
		if (cause instanceof DistributedLockException lockException) {
			return lockException;
		}
		return new LockBackendException(action + " failed: " + describe(cause), cause);
	}

	/** Rethrows a failure inside a future's stage without wrapping it twice. */
	static RuntimeException propagate(Throwable failure) {
		return (failure instanceof CompletionException completion) ? completion : new CompletionException(failure);
	}

	/** Whether etcd said that a lease does not exist (expired or revoked). */
	static boolean isLeaseNotFound(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.NOT_FOUND) {
				return true;
			}
			String message = current.getMessage();
			if (message != null && message.contains("lease not found")) {
				return true;
			}
		}
		return Status.fromThrowable(failure).getCode() == Status.Code.NOT_FOUND;
	}

	/**
	 * Whether etcd refused a request because it is overloaded (its apply lags its commits),
	 * which it does before proposing anything.
	 */
	static boolean isTooManyRequests(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			String message = current.getMessage();
			if (message != null && message.contains("too many requests")) {
				return true;
			}
		}
		return false;
	}

	/** Whether a failed transaction surely wrote nothing (unknown lease, or overload). */
	static boolean wroteNothing(Throwable failure) {
		return isLeaseNotFound(failure) || isTooManyRequests(failure);
	}

	/** A short description for logs and messages. */
	static String describe(Throwable failure) {
		Throwable cause = AsyncFailures.unwrap(failure);
		if (cause instanceof TimeoutException) {
			return "no reply from etcd in time";
		}
		return cause.toString();
	}

	/** Waits for a future that never fails, restoring the interrupt flag. */
	static void await(CompletableFuture<?> future, Duration timeout) {
		try {
			future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.debug("Gave up waiting for etcd: {}", describe(ex));
		}
	}

}
