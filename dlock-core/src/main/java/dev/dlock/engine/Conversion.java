package dev.dlock.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockConversionDeadlockException;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
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
 * the grant or the end of the wait. While an up-conversion waits, the grant keeps its mode
 * and token and the entry stays renewed; a wait that ends without the conversion (timeout,
 * interrupt, cancel, loss, release) withdraws it on the server, which also undoes a
 * conversion granted there whose answer came too late, and retries the withdrawal until the
 * server confirms or the entry ends. The next conversion of the grant is sent only once
 * that withdrawal has settled, so that it cannot undo the next one.
 * <p>
 * A conversion to a mode that does not cover the one held (a down-conversion, or between
 * {@code PR} and {@code CW}) gives up part of the old mode the moment the server grants it,
 * and the server may let others in at once: undoing it could grant conflicting modes
 * together. So the grant shows the strongest mode that both cover (its
 * {@linkplain #floor floor}) from the moment such a conversion is sent, keeping its token
 * until the server's new one arrives, and a conversion given up is withdrawn to that mode,
 * never to the old one. For an up-conversion the floor is the old mode.
 * <p>
 * The result completes with {@code true} when converted, {@code false} when a try would
 * have waited, or exceptionally.
 */
final class Conversion {

	private static final Logger logger = LoggerFactory.getLogger(Conversion.class);

	private static final Duration FIRST_RETRY = Duration.ofMillis(50);

	private static final LockMode[] MODES = LockMode.values();

	private final Grant grant;

	private final QueueEntry entry;

	private final Grant.Held before;

	private final LockMode target;

	private final Duration waitTime;

	private final boolean waitIfBusy;

	/** What the grant holds while the conversion is under way and after it is given up. */
	private final Grant.Held floor;

	private final TimeSource time;

	private final EngineSettings settings;

	private final CompletableFuture<Boolean> result = new CompletableFuture<>();

	private final Object monitor = new Object();

	/** Completes when the backend answered the convert call (or the call failed). */
	private final CompletableFuture<@Nullable QueueState> answered = new CompletableFuture<>();

	// guarded by monitor
	private @Nullable WaitLoop waitLoop;

	/** When the caller asked, by the time source's clock: the wait counts from here. */
	private final long askedAt;

	private final WaitTimer waitTimer = new WaitTimer();

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
		this.floor = new Grant.Held(floor(this.before.mode(), target), this.before.token());
		this.time = time;
		this.askedAt = time.nanoTime();
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
		// callers see the outcome once the conversion has ended (no longer the grant's
		// pending one): a caller converting again at once must not find it still pending
		CompletableFuture<Boolean> ended = this.result.whenComplete(this::finish);
		if (this.waitIfBusy && !this.floor.equals(this.before)) {
			// the weaker mode shows from the moment it is asked for, also if the wait ends
			// before the call is sent (it may wait for the withdrawal of the last conversion)
			this.grant.converted(this.floor.mode(), this.floor.token());
		}
		CompletableFuture<Void> settled = this.grant.withdrawalsSettled();
		if (settled.isDone()) {
			send();
		}
		else if (!this.waitIfBusy) {
			// a try does not wait for the withdrawal of the previous conversion
			this.answered.complete(QueueState.REJECTED);
			this.result.complete(false);
		}
		else {
			settled.whenComplete((done, failure) -> send());
		}
		if (this.waitIfBusy) {
			// stopped already (by finish) when the answer came inside the call: schedules nothing
			this.waitTimer.start(this.time, this.askedAt, this.waitTime,
					() -> fail(new LockAcquisitionTimeoutException(this.grant.key(), this.target, this.waitTime)));
		}
		return ended;
	}

	private void send() {
		if (this.result.isDone()) {
			// nothing was sent: nothing to withdraw, unless the grant already shows a weaker
			// mode, which the withdrawal then makes true on the server
			this.answered.complete(this.floor.equals(this.before) ? QueueState.REJECTED : null);
			return;
		}
		if (!this.floor.equals(this.before)) {
			this.grant.converted(this.floor.mode(), this.floor.token());
		}
		CompletableFuture<QueueState> reply;
		try {
			reply = writeValueLeavingWriteModes().thenCompose(
					(written) -> this.grant.session().backend().convert(this.entry, this.target, this.waitIfBusy));
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((state, failure) -> {
			this.answered.complete(state);
			if (failure != null || state == null) {
				fail(AsyncFailures.toLockException((failure != null) ? failure : new IllegalStateException("no reply"),
						"Converting lock '" + this.grant.key() + "' to " + this.target));
				return;
			}
			handle(state);
		});
	}

	/**
	 * Writes the value the holder set before a conversion out of {@code PW} and {@code EX}
	 * is sent, while the entry is still granted in them (DESIGN.md §12); if the conversion
	 * then fails, the value may or may not have been written.
	 */
	private CompletableFuture<?> writeValueLeavingWriteModes() {
		LockValue value = ValueBlocks.isWriting(this.target) ? null : this.grant.valueToWrite();
		if (value == null) {
			return CompletableFuture.completedFuture(null);
		}
		return this.grant.session().backend().writeValue(this.entry, value)
			.thenRun(() -> this.grant.valueWritten(value));
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
			case REJECTED -> {
				this.grant.restore(this.before); // nothing was recorded
				this.result.complete(false);
			}
			case DEADLOCK -> {
				this.grant.restore(this.before);
				fail(new LockConversionDeadlockException(this.grant.key(), this.before.mode(), this.target));
			}
			case GONE -> fail(new LockLostException(this.grant.key(), this.before.mode(), this.before.token(),
					"Lock '" + this.grant.key() + "' in mode " + this.before.mode()
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
			// server, and the grant goes back to its floor
			this.grant.restore(this.floor);
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

	private void fail(Throwable reason) {
		this.result.completeExceptionally(reason);
	}

	/** Runs once when the result completes, on whichever path. */
	private void finish(@Nullable Boolean converted, @Nullable Throwable failure) {
		Observation started;
		WaitLoop loop;
		synchronized (this.monitor) {
			started = this.observation;
			loop = this.waitLoop;
		}
		this.waitTimer.stop();
		// closed outside the monitor: the loop's answers come back into this conversion
		if (loop != null) {
			loop.close();
		}
		if (failure != null) {
			withdraw(); // recorded before the conversion ends, so that the next one waits for it
		}
		this.grant.endConversion(this.pending);
		if (started != null) {
			EngineObservations.stopConversion(started, Boolean.TRUE.equals(converted), failure);
		}
	}

	/** Undoes a conversion whose grant the caller never saw. */
	private void revert() {
		this.grant.restore(this.floor);
		withdraw();
	}

	/**
	 * Withdraws the conversion on the server once its convert call was answered, so that the
	 * withdrawal cannot overtake the call it withdraws; retries until the server confirms or
	 * the entry has ended (released or lost), since a conversion left pending would block
	 * new requests, and one left granted would hold more than the handle shows.
	 */
	private void withdraw() {
		CompletableFuture<Void> settled = new CompletableFuture<>();
		this.grant.withdrawing(settled);
		this.answered.thenRun(() -> {
			QueueState answer = this.answered.getNow(null);
			if (answer != null && answer.status() != QueueState.Status.WAITING
					&& answer.status() != QueueState.Status.GRANTED) {
				// refused or gone, or never sent: nothing was recorded, the old mode holds
				this.grant.restore(this.before);
				settled.complete(null);
				return;
			}
			attemptWithdrawal(settled, FIRST_RETRY);
		});
	}

	/**
	 * The strongest mode that both modes cover: the old mode for an up-conversion, the new one
	 * for a down-conversion, {@code CR} between {@code PR} and {@code CW}.
	 */
	static LockMode floor(LockMode held, LockMode target) {
		LockMode floor = LockMode.NL;
		for (LockMode mode : MODES) {
			if (held.covers(mode) && target.covers(mode) && mode.covers(floor)) {
				floor = mode;
			}
		}
		return floor;
	}

	private void attemptWithdrawal(CompletableFuture<Void> settled, Duration backoff) {
		if (this.grant.entry().isEnded()) {
			settled.complete(null); // the entry's removal or lease ends the conversion too
			return;
		}
		CompletableFuture<@Nullable LockMode> withdrawal;
		try {
			withdrawal = this.grant.session().backend().cancelConversion(this.entry, this.floor.mode());
		}
		catch (RuntimeException ex) {
			withdrawal = CompletableFuture.failedFuture(ex);
		}
		withdrawal.whenComplete((ended, failure) -> {
			if (failure == null) {
				if (ended != null && ended != this.floor.mode()) {
					// a backend that could not go down to the floor: the handle tells what it holds
					this.grant.converted(ended, this.floor.token());
				}
				settled.complete(null);
				return;
			}
			logger.debug("Withdrawing the conversion of lock '{}' failed, retrying: {}", this.grant.key(),
					AsyncFailures.unwrap(failure).toString());
			Duration next = backoff.multipliedBy(2);
			Duration cap = this.settings.maxRecheckInterval();
			this.time.schedule(backoff, () -> attemptWithdrawal(settled, (next.compareTo(cap) > 0) ? cap : next));
		});
	}

}
