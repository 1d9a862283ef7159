package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockBackendException;
import dev.dlock.spi.LockThreads;
import dev.dlock.support.TimeSource;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import org.jspecify.annotations.Nullable;

/**
 * Asynchronous calls to the server with dlock's request timeout, and the hand-over of
 * results to dlock's threads: the client's threads deliver every reply and message of the
 * connection, which the application may share, so only short non-blocking code runs on
 * them (the backend's, and the engine's continuation of a decision made there, or of a
 * conversion's answer). Other results go on on the timer thread, where the engine's
 * continuation is as short; the application's callbacks never run on either (but for the
 * observation handlers of a conversion, see {@code NatsBucket#convert}): the engine hands
 * them to its callback executor. The only blocking work, re-creating the watcher's
 * consumer, runs on the worker thread.
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

	private final LockThreads threads;

	private final Duration requestTimeout;

	NatsCalls(Connection connection, TimeSource time, LockThreads threads, Duration requestTimeout) {
		this.connection = connection;
		this.time = time;
		this.threads = threads;
		this.requestTimeout = requestTimeout;
	}

	Connection connection() {
		return this.connection;
	}

	TimeSource time() {
		return this.time;
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
		CompletableFuture<T> result = this.time.failAfter(new CompletableFuture<>(), this.requestTimeout,
				"A NATS request");
		call.whenComplete((value, failure) -> {
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
	 * Completes a result on the timer thread, for the engine, which continues it there. A
	 * result that is already there when the call returns is given back as it is: it was
	 * computed on the caller's own thread, so whatever the caller runs next runs there
	 * anyway (a decision from the watcher's copy, as after a wake-up, needs no further
	 * thread); so is one completed on the timer thread already.
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
			if (this.threads.isTimerThread()) {
				complete.run();
			}
			else {
				run(complete);
			}
		});
		return result;
	}

	/** Runs a short task that never blocks on the timer thread (on the caller's once stopped). */
	void run(Runnable task) {
		this.threads.timer().execute(task);
	}

	/** Runs a task that may block on the worker thread (on the caller's once stopped). */
	void runBlocking(Runnable task) {
		this.threads.worker().execute(task);
	}

	/**
	 * The stream leader's last message of a subject, or {@code null} if it has none. Not a
	 * direct get: STREAM.MSG.GET is answered by the stream leader only, which also checks
	 * every revision-checked write.
	 * @param what what is read, for the failure's message
	 */
	CompletableFuture<@Nullable MessageInfo> lastMessage(String stream, String subject, String what) {
		String json = "{\"last_by_subj\":\"" + subject + "\"}";
		return api("STREAM.MSG.GET." + stream, json).thenApply((reply) -> {
			MessageInfo info = new MessageInfo(reply, stream, false);
			if (info.hasError()) {
				if (info.getApiErrorCode() == NO_MESSAGE_FOUND) {
					return null;
				}
				throw new LockBackendException("Reading " + what + " from the NATS stream leader failed: "
						+ info.getError(), null);
			}
			return info;
		});
	}

	/**
	 * Publishes without a timeout of its own, completing on the client's thread.
	 * @param expectedRevision the revision the subject's last message must have (0: none),
	 * or -1 for no check
	 */
	static CompletableFuture<PublishAck> send(JetStream jetStream, String subject, @Nullable Headers headers,
			byte[] body, long expectedRevision) {
		try {
			PublishOptions options = (expectedRevision >= 0)
					? PublishOptions.builder().expectedLastSubjectSequence(expectedRevision).build() : null;
			return jetStream.publishAsync(subject, headers, body, options);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
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
