package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import dev.dlock.support.TimeSource;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;

/**
 * Asynchronous calls to the server with dlock's request timeout, and the hand-over of
 * results to dlock's own executor: the client's threads deliver every reply and message of
 * the connection, so only short non-blocking code runs on them (the backend's, and the
 * engine's continuation of a decision made there), never an application's callbacks (but
 * for the observation handlers of a conversion, see {@code NatsBucket#convert}).
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
	 * Sends a JetStream API request (answered by the stream leader for stream requests),
	 * bounded by the request timeout. Completes on a client thread: callers hand the final
	 * result over with {@link #handOver}.
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
	 * Bounds a call by the request timeout. The result completes on whichever thread
	 * completes the call (or on the timer): only non-blocking work may follow it until
	 * {@link #handOver}.
	 */
	<T> CompletableFuture<T> bounded(CompletableFuture<T> call) {
		CompletableFuture<T> result = new CompletableFuture<>();
		TimeSource.Cancellable timer = this.time.schedule(this.requestTimeout, () -> result
			.completeExceptionally(new TimeoutException("no reply from NATS within " + this.requestTimeout)));
		call.whenComplete((value, failure) -> {
			timer.cancel();
			if (failure != null) {
				result.completeExceptionally(failure);
			}
			else {
				result.complete(value);
			}
		});
		return result;
	}

	/**
	 * Completes a result on the executor, for code outside the backend (the engine, and
	 * through it a user's callbacks), which may block. A result that is already there when
	 * the call returns is given back as it is: it was computed on the caller's own thread,
	 * so whatever the caller runs next runs there anyway (a decision from the watcher's copy,
	 * as after a wake-up, needs no further thread).
	 */
	<T> CompletableFuture<T> handOver(CompletableFuture<T> internal) {
		if (internal.isDone()) {
			return internal;
		}
		CompletableFuture<T> result = new CompletableFuture<>();
		internal.whenComplete((value, failure) -> {
			Runnable complete = () -> {
				if (failure != null) {
					result.completeExceptionally(failure);
				}
				else {
					result.complete(value);
				}
			};
			if (Thread.currentThread() instanceof ExecutorThread) {
				complete.run();
			}
			else {
				run(complete);
			}
		});
		return result;
	}

	/**
	 * Makes the threads of the executor, so that a result completed on one of them needs no
	 * further hand-over.
	 * @param name the thread name
	 * @param task what the thread runs
	 * @return a daemon thread
	 */
	static Thread newExecutorThread(String name, Runnable task) {
		Thread thread = new ExecutorThread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	private static final class ExecutorThread extends Thread {

		ExecutorThread(Runnable task, String name) {
			super(task, name);
		}

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

}
