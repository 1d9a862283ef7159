package dev.dlock.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockConversionDeadlockException;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.TimeSource;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One conversion of a grant's mode (DESIGN.md §12), from the backend's first answer to
 * the grant or the end of the wait. While it waits, the grant keeps its mode and token and
 * the entry stays renewed; a wait that ends without the conversion (timeout, interrupt,
 * cancel, loss, release) withdraws it on the server, which also undoes a conversion
 * granted there whose answer came too late. The result completes with {@code true} when
 * converted, {@code false} when a try would have waited, or exceptionally.
 */
final class Conversion {

	private static final Logger logger = LoggerFactory.getLogger(Conversion.class);

	private final Grant grant;

	private final QueueEntry entry;

	private final Grant.Held before;

	private final LockMode target;

	private final Duration waitTime;

	private final boolean waitIfBusy;

	private final TimeSource time;

	private final EngineSettings settings;

	private final CompletableFuture<Boolean> result = new CompletableFuture<>();

	private final Object monitor = new Object();

	/** Completes when the backend answered the convert call (or the call failed). */
	private final CompletableFuture<@Nullable QueueState> answered = new CompletableFuture<>();

	// guarded by monitor
	private @Nullable WaitLoop waitLoop;

	private TimeSource.@Nullable Cancellable timeout;

	private final EngineObservations observations;

	private final Grant.PendingConversion pending;

	private @Nullable Observation observation;

	Conversion(Grant grant, LockMode target, Duration waitTime, TimeSource time, EngineSettings settings,
			EngineObservations observations) {
		this.grant = grant;
		this.entry = Objects.requireNonNull(grant.entry().queueEntry(), "a granted entry is attached");
		this.before = grant.held();
		this.target = target;
		this.waitTime = waitTime;
		this.waitIfBusy = !waitTime.isZero();
		this.time = time;
		this.settings = settings;
		this.observations = observations;
		this.pending = new Grant.PendingConversion(target, this::abandon);
	}

	/** What the grant knows of this conversion while it is pending. */
	Grant.PendingConversion pending() {
		return this.pending;
	}

	/**
	 * Sends the conversion; the grant must have accepted it as its pending one.
	 * @return the result
	 */
	CompletableFuture<Boolean> start() {
		Observation started = this.observations.startConversion(this.grant.key(), this.before.mode(), this.target);
		synchronized (this.monitor) {
			this.observation = started;
		}
		this.result.whenComplete(this::finish);
		if (this.waitIfBusy) {
			TimeSource.Cancellable timer = this.time.schedule(this.waitTime,
					() -> fail(new LockAcquisitionTimeoutException(this.grant.key(), this.target, this.waitTime)));
			synchronized (this.monitor) {
				this.timeout = timer;
			}
		}
		CompletableFuture<QueueState> reply;
		try {
			reply = this.grant.session().backend().convert(this.entry, this.target, this.waitIfBusy);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((state, failure) -> {
			this.answered.complete(state);
			if (failure != null || state == null) {
				if (isDown()) {
					// the server may have converted down: only the weaker mode is safe to claim,
					// and holding more than claimed only delays others until the release
					this.grant.converted(this.target, this.before.token());
				}
				fail(AsyncFailures.toLockException((failure != null) ? failure : new IllegalStateException("no reply"),
						"Converting lock '" + this.grant.key() + "' to " + this.target));
				return;
			}
			handle(state);
		});
		return this.result;
	}

	/** The mode asked for. */
	LockMode target() {
		return this.target;
	}

	/** Ends the conversion from outside (interrupt, loss, release, close). */
	void abandon(Throwable reason) {
		if (!this.result.completeExceptionally(reason) && !this.result.isCompletedExceptionally()
				&& this.result.join()) {
			// converted just before: the caller never saw it, so the grant goes back
			revert();
		}
	}

	private void handle(QueueState state) {
		if (this.result.isDone()) {
			return;
		}
		switch (state.status()) {
			case GRANTED -> converted(state);
			case WAITING -> await(state);
			case REJECTED -> this.result.complete(false);
			case DEADLOCK -> fail(new LockConversionDeadlockException(this.grant.key(), this.before.mode(), this.target));
			case GONE -> fail(new LockLostException("Lock '" + this.grant.key() + "' in mode " + this.before.mode()
					+ " no longer exists on the server: the conversion to " + this.target + " ended", null));
		}
	}

	private void converted(QueueState state) {
		if (!this.grant.entry().isAlive(this.time.nanoTime())) {
			fail(new LockBackendException("The conversion of lock '" + this.grant.key()
					+ "' was granted after its lease could no longer be proved alive", null));
			return;
		}
		this.grant.converted(this.target, state.tokenFor(this.entry.ticket()));
		if (!this.result.complete(true)) {
			// the wait ended first (timeout, cancel): its end withdraws the conversion on the
			// server, and the grant keeps the mode it had
			this.grant.restore(this.before);
		}
	}

	private void await(QueueState state) {
		WaitLoop loop;
		synchronized (this.monitor) {
			if (this.result.isDone()) {
				return;
			}
			if (this.waitLoop == null) {
				this.waitLoop = new WaitLoop(this.grant.session(), this.entry, this.time,
						this.settings.maxRecheckInterval(), this::handle);
			}
			loop = this.waitLoop;
		}
		loop.await(state);
	}

	private boolean isDown() {
		return this.before.mode().covers(this.target);
	}

	private void fail(Throwable reason) {
		this.result.completeExceptionally(reason);
	}

	/** Runs once when the result completes, on whichever path. */
	private void finish(@Nullable Boolean converted, @Nullable Throwable failure) {
		Observation started;
		WaitLoop loop;
		synchronized (this.monitor) {
			started = this.observation;
			if (this.timeout != null) {
				this.timeout.cancel();
			}
			loop = this.waitLoop;
		}
		// closed outside the monitor: the loop's answers come back into this conversion
		if (loop != null) {
			loop.close();
		}
		this.grant.endConversion(this.pending);
		if (started != null) {
			EngineObservations.stopConversion(started, Boolean.TRUE.equals(converted), failure);
		}
		if (failure != null) {
			withdraw();
		}
	}

	/** Undoes a conversion whose grant the caller never saw. */
	private void revert() {
		this.grant.restore(this.before);
		withdraw();
	}

	/**
	 * Withdraws the conversion on the server once its convert call was answered, so that the
	 * withdrawal cannot overtake the call it withdraws.
	 */
	private void withdraw() {
		if (isDown()) {
			return; // granted at once or failed: nothing waits on the server
		}
		this.answered.thenRun(() -> {
			QueueState answer = this.answered.getNow(null);
			if (answer != null && answer.status() != QueueState.Status.WAITING
					&& answer.status() != QueueState.Status.GRANTED) {
				return; // refused or gone: nothing was recorded
			}
			this.grant.session()
				.backend()
				.cancelConversion(this.entry, this.before.mode())
				.whenComplete((ended, failure) -> {
					if (ended != null && ended != this.before.mode()) {
						// granted meanwhile between modes neither of which covers the other (PR and
						// CW), which going back could not undo: the handle tells the mode it holds
						this.grant.converted(ended, this.before.token());
						logger.warn("The conversion of lock '{}' to {} was granted as it was given up, and could not be "
								+ "undone: the lock is held in mode {}", this.grant.key(), this.target, ended);
					}
					if (failure != null) {
						// the entry stays in the old mode or its conversion stays pending; both end
						// with the entry's release or lease, and neither grants more than was held
						logger.debug("Withdrawing the conversion of lock '{}' failed: {}", this.grant.key(),
								AsyncFailures.unwrap(failure).toString());
					}
				});
		});
	}

}
