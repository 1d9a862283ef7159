package dev.dlock.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.TimeSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wait of one queue entry, for a new request or a conversion: watches the backend for
 * change signals, polls after each signal and on a bounded re-check timer, and hands each
 * answer to its owner. Signals that arrive while a poll is under way, or while the watch is
 * being registered, are coalesced into one more poll. Closed by its owner when the wait
 * ends; a closed loop polls no more.
 */
final class WaitLoop {

	private static final Logger logger = LoggerFactory.getLogger(WaitLoop.class);

	private final EngineSession session;

	private final QueueEntry entry;

	private final TimeSource time;

	private final Duration maxRecheckInterval;

	private final Consumer<QueueState> onAnswer;

	private final Object monitor = new Object();

	// guarded by monitor
	private @Nullable Subscription subscription;

	private TimeSource.@Nullable Cancellable recheck;

	private boolean polling;

	private boolean signalled;

	private boolean arming;

	private boolean closed;

	/**
	 * @param onAnswer told each answer of a poll (never a failed one: a failed poll is
	 * retried after the longest re-check interval)
	 */
	WaitLoop(EngineSession session, QueueEntry entry, TimeSource time, Duration maxRecheckInterval,
			Consumer<QueueState> onAnswer) {
		this.session = session;
		this.entry = entry;
		this.time = time;
		this.maxRecheckInterval = maxRecheckInterval;
		this.onAnswer = onAnswer;
	}

	/**
	 * Waits (again) after the backend said the entry waits: (re-)registers the watch and
	 * the re-check timer.
	 */
	void await(QueueState state) {
		boolean pollNow;
		synchronized (this.monitor) {
			if (this.closed) {
				return;
			}
			closeSubscription();
			// a signal the backend sends from inside watch() is recorded, not acted on, so
			// that no poll (and no grant) runs before the subscription is in place
			this.arming = true;
			try {
				this.subscription = this.session.backend().watch(this.entry, this::signal);
			}
			finally {
				this.arming = false;
			}
			pollNow = this.signalled;
			this.signalled = false;
			cancelRecheck();
			if (!pollNow) {
				Duration delay = min(state.recheckAfter(), this.maxRecheckInterval);
				this.recheck = this.time.schedule(delay, this::signal);
			}
		}
		if (pollNow) {
			signal();
		}
	}

	/** Ends the wait: no more polls, signals or re-checks. Idempotent. */
	void close() {
		synchronized (this.monitor) {
			this.closed = true;
			closeSubscription();
			cancelRecheck();
		}
	}

	private void signal() {
		synchronized (this.monitor) {
			if (this.closed) {
				return;
			}
			if (this.polling || this.arming) {
				this.signalled = true;
				return;
			}
			this.polling = true;
			cancelRecheck();
		}
		CompletableFuture<QueueState> reply;
		try {
			reply = this.session.backend().poll(this.entry);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((state, failure) -> {
			synchronized (this.monitor) {
				this.polling = false;
			}
			if (failure != null || state == null) {
				logger.debug("Polling lock '{}' failed; trying again: {}", this.entry.request().key(),
						(failure != null) ? AsyncFailures.unwrap(failure).toString() : "no reply");
				await(QueueState.waiting(this.maxRecheckInterval));
				return;
			}
			this.onAnswer.accept(state);
		});
	}

	private void closeSubscription() {
		if (this.subscription != null) {
			this.subscription.close();
			this.subscription = null;
		}
	}

	private void cancelRecheck() {
		if (this.recheck != null) {
			this.recheck.cancel();
			this.recheck = null;
		}
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

}
