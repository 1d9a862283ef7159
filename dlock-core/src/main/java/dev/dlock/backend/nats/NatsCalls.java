package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import dev.dlock.LockBackendException;
import dev.dlock.support.TimeSource;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;

/**
 * Asynchronous calls to the server with dlock's request timeout, completed on dlock's own
 * executor: the client's threads deliver every reply of the connection, so code that runs
 * on them (the engine, a user's callbacks) must not block them.
 */
final class NatsCalls {

	/** JetStream's API error: the expected last sequence of a subject did not match. */
	static final int WRONG_LAST_SEQUENCE = 10071;

	/** JetStream's API error: no message for a get. */
	static final int NO_MESSAGE_FOUND = 10037;

	/** JetStream's API error: no such stream. */
	static final int STREAM_NOT_FOUND = 10059;

	private static final String API_PREFIX = "$JS.API.";

	private final Connection connection;

	private final TimeSource time;

	private final Executor executor;

	private final Duration requestTimeout;

	NatsCalls(Connection connection, TimeSource time, Executor executor, Duration requestTimeout) {
		this.connection = connection;
		this.time = time;
		this.executor = executor;
		this.requestTimeout = requestTimeout;
	}

	Connection connection() {
		return this.connection;
	}

	TimeSource time() {
		return this.time;
	}

	Executor executor() {
		return this.executor;
	}

	/**
	 * Sends a JetStream API request (answered by the stream leader for stream requests).
	 * @param api the API subject after {@code $JS.API.}
	 * @param json the request body
	 */
	CompletableFuture<Message> api(String api, String json) {
		CompletableFuture<Message> reply;
		try {
			reply = this.connection.request(API_PREFIX + api, json.getBytes(StandardCharsets.UTF_8));
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		return bounded(reply);
	}

	/**
	 * Bounds a call by the request timeout and completes it on the executor.
	 */
	<T> CompletableFuture<T> bounded(CompletableFuture<T> call) {
		CompletableFuture<T> result = new CompletableFuture<>();
		TimeSource.Cancellable timer = this.time.schedule(this.requestTimeout, () -> run(() -> result
			.completeExceptionally(new TimeoutException("no reply from NATS within " + this.requestTimeout))));
		call.whenComplete((value, failure) -> {
			timer.cancel();
			run(() -> {
				if (failure != null) {
					result.completeExceptionally(failure);
				}
				else {
					result.complete(value);
				}
			});
		});
		return result;
	}

	/** Runs a task on the executor; on the caller's thread once the executor is shut down. */
	void run(Runnable task) {
		try {
			this.executor.execute(task);
		}
		catch (RejectedExecutionException ex) {
			task.run();
		}
	}

	/** The JetStream API error code in a failure's causes, or 0. */
	static int apiErrorCode(Throwable failure) {
		for (Throwable current = failure; current != null; current = current.getCause()) {
			if (current instanceof JetStreamApiException api) {
				return api.getApiErrorCode();
			}
			if (current.getCause() == current) {
				break;
			}
		}
		return 0;
	}

	/** Turns a client failure into dlock's exception, keeping dlock's own. */
	static LockBackendException failure(String action, Throwable failure) {
		Throwable cause = unwrap(failure);
		if (cause instanceof LockBackendException lockException) {
			return lockException;
		}
		if (cause instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
		return new LockBackendException(action + " failed: " + cause, cause);
	}

	static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

}
