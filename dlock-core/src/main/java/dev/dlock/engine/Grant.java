package dev.dlock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.support.TimeSource;
import dev.dlock.observation.LockHoldEvents;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A granted lock with its holds: one for the first acquire and one per re-entrant
 * acquire. The grant goes back to the backend when the last hold is released.
 * <p>
 * One lives per held lock, so it keeps no per-grant helpers and no field it can do without:
 * its counters and once-only flags are fields changed by compare-and-set, what every grant
 * shares (the clock, the callback executor, the release, the conversions under way) it
 * reaches through its {@link Registry}, its session through its entry, one field holds the
 * list of loss listeners (once one is added) and then the loss, and the mode and token are
 * kept as a {@link Held} only once they differ from the request's mode and the entry's
 * ticket (after a conversion, or for a grant whose token is not its ticket).
 */
final class Grant implements LiveEntry.LossListener {

	private static final Logger logger = LoggerFactory.getLogger(Grant.class);

	private static final VarHandle HOLDS;

	private static final VarHandle OBSERVATION;

	private static final VarHandle LOSSES;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			HOLDS = lookup.findVarHandle(Grant.class, "holds", int.class);
			OBSERVATION = lookup.findVarHandle(Grant.class, "observation", Observation.class);
			LOSSES = lookup.findVarHandle(Grant.class, "losses", Object.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Registry grants;

	private final LiveEntry entry;

	/**
	 * The mode and token, unless they are the request's mode and the entry's ticket
	 * ({@code null}): most grants' token is their ticket, and a conversion changes both.
	 */
	private volatile @Nullable Held converted;

	private final long grantedAt;

	/** Holds not yet released, changed by compare-and-set. */
	private volatile int holds = 1;

	/**
	 * {@code null}, then the loss listeners (a {@link CopyOnWriteArrayList}, set by
	 * compare-and-set when the first one is added), then the {@link LockLostException} once
	 * the grant is lost, for good.
	 */
	private volatile @Nullable Object losses;

	private volatile @Nullable Thread holderThread;

	/** The hold observation; taken once, by compare-and-set, by whoever stops it. */
	private volatile @Nullable Observation observation;

	/**
	 * @param grants the grants of the manager: the clock, the callback executor, and where
	 * the last hold's release goes
	 * @param entry the granted entry, which lives under an {@link EngineSession}
	 */
	Grant(Registry grants, LiveEntry entry, long token, Observation observation) {
		this.grants = grants;
		this.observation = observation;
		this.entry = entry;
		if (token != ticket()) {
			this.converted = new Held(entry.request().mode(), token);
		}
		this.grantedAt = grants.time().nanoTime();
		entry.lossListener(this);
	}

	String key() {
		return this.entry.request().key();
	}

	/** What converts this grant (and every other grant of its manager). */
	Converter converter() {
		return this.grants.converter();
	}

	LockMode mode() {
		Held now = this.converted;
		return (now != null) ? now.mode() : this.entry.request().mode();
	}

	long token() {
		Held now = this.converted;
		return (now != null) ? now.token() : ticket();
	}

	/** The mode and token as one consistent pair. */
	Held held() {
		Held now = this.converted;
		return (now != null) ? now : new Held(this.entry.request().mode(), ticket());
	}

	/** The ticket of the granted entry, which is attached. */
	private long ticket() {
		return Objects.requireNonNull(this.entry.queueEntry(), "a granted entry is attached").ticket();
	}

	/** Records a granted conversion. */
	void converted(LockMode mode, long token) {
		this.converted = new Held(mode, token);
		this.grants.modeChanged(this);
		if (logger.isDebugEnabled()) {
			logger.debug("Converted lock '{}' to mode {} with token {}", key(), mode, token);
		}
	}

	/** Goes back to what was held before a conversion whose grant nobody received. */
	void restore(Held before) {
		this.converted = before;
		this.grants.modeChanged(this);
	}

	/** The number of holds not yet released. */
	int holds() {
		return this.holds;
	}

	/**
	 * Makes a conversion the grant's pending one.
	 * @return whether it is, {@code false} if another one is pending
	 */
	boolean startConversion(PendingConversion started) {
		return this.grants.conversions().start(this, started);
	}

	void endConversion(PendingConversion ended) {
		this.grants.conversions().end(this, ended);
	}

	/** Records the withdrawal of a conversion given up; the next conversion waits for it. */
	void withdrawing(CompletableFuture<Void> withdrawal) {
		this.grants.conversions().withdrawing(this, withdrawal);
	}

	/** Settles once the withdrawal of the last conversion given up is confirmed or moot. */
	CompletableFuture<Void> withdrawalsSettled() {
		return this.grants.conversions().withdrawalsSettled(this);
	}

	/** The pending conversion, if any. */
	@Nullable PendingConversion pendingConversion() {
		return this.grants.conversions().of(this);
	}

	long grantedAt() {
		return this.grantedAt;
	}

	@Nullable Thread holderThread() {
		return this.holderThread;
	}

	void holderThread(@Nullable Thread thread) {
		this.holderThread = thread;
	}

	/** The session the grant's entry lives under: an engine session, as for every granted entry. */
	EngineSession session() {
		return (EngineSession) this.entry.owner();
	}

	LiveEntry entry() {
		return this.entry;
	}

	boolean isValid() {
		return !(this.losses instanceof LockLostException) && this.entry.isAlive(this.grants.time().nanoTime());
	}

	/** Throws what {@link #lossOrExpiry()} returns, if anything. */
	void lossOrExpiryThrow() {
		LockLostException loss = lossOrExpiry();
		if (loss != null) {
			throw loss;
		}
	}

	@Nullable LockLostException lossOrExpiry() {
		if (this.losses instanceof LockLostException loss) {
			return loss;
		}
		if (!this.entry.isAlive(this.grants.time().nanoTime())) {
			return lost("Lock '" + key() + "' in mode " + mode()
					+ " is no longer valid: released, or its lease could not be proved alive", null);
		}
		return null;
	}

	/** Adds a re-entrant hold if the grant is still valid. */
	boolean tryAddHold() {
		while (isValid()) {
			int current = this.holds;
			if (current <= 0) {
				return false;
			}
			if (HOLDS.compareAndSet(this, current, current + 1)) {
				return true;
			}
		}
		return false;
	}

	void releaseHold() {
		if ((int) HOLDS.getAndAdd(this, -1) == 1) {
			abandonConversion(lost("Lock '" + key() + "' was released while converting", null));
			this.grants.lastHoldReleased(this);
			endObservation(null);
		}
	}

	/**
	 * Adds a loss listener; told at once if the grant is lost already. Each listener is
	 * told once: whoever takes it out of the list tells it, this method or
	 * {@link #entryLost}, which swaps the loss in for the list before it reads the list,
	 * while this method adds to the list before it reads the field again.
	 */
	@SuppressWarnings("unchecked")
	void onLost(Consumer<LockLostException> listener) {
		Object current = this.losses;
		while (current == null) {
			LOSSES.compareAndSet(this, null, new CopyOnWriteArrayList<Consumer<LockLostException>>());
			current = this.losses;
		}
		if (current instanceof LockLostException loss) {
			notify(listener, loss);
			return;
		}
		List<Consumer<LockLostException>> listeners = (List<Consumer<LockLostException>>) current;
		listeners.add(listener);
		if (this.losses instanceof LockLostException loss && listeners.remove(listener)) {
			notify(listener, loss);
		}
	}

	/** The value block; see {@link dev.dlock.LockHandle#value}. */
	LockValue value() {
		return this.grants.value(this);
	}

	/** Sets the value block; see {@link dev.dlock.LockHandle#setValue}. */
	void setValue(byte[] bytes) {
		this.grants.setValue(this, bytes);
	}

	/** The value this grant's holder set and has not written yet, or {@code null}. */
	@Nullable LockValue valueToWrite() {
		return this.grants.valueToWrite(this);
	}

	/** Records that the holder read an invalid value, on the hold's observation. */
	void invalidValueRead() {
		Observation started = this.observation;
		if (started != null) {
			started.event(LockHoldEvents.INVALID_VALUE_READ);
		}
	}

	/** The value set was written, or found not writable. */
	void valueWritten(LockValue value) {
		this.grants.valueWritten(this, value);
	}

	/** Adds a blocking listener; see {@link dev.dlock.LockHandle#onBlocking}. */
	void onBlocking(Consumer<LockMode> listener) {
		this.grants.blockingListenerAdded(this, listener);
	}

	private void endObservation(@Nullable LockLostException loss) {
		Observation started = (Observation) OBSERVATION.getAndSet(this, null);
		if (started != null) {
			EngineObservations.stopHold(started, loss);
		}
	}

	private void abandonConversion(LockLostException reason) {
		PendingConversion pending = pendingConversion();
		if (pending != null) {
			pending.abandon().accept(reason);
		}
	}

	/** A loss of this grant as it is held now. */
	LockLostException lost(String message, @Nullable Throwable cause) {
		Held now = held();
		return new LockLostException(key(), now.mode(), now.token(), message, cause);
	}

	@Override
	@SuppressWarnings("unchecked")
	public void entryLost(String message, @Nullable Throwable cause) {
		LockLostException loss = lost(message, cause);
		Object before = LOSSES.getAndSet(this, loss);
		this.grants.lost(this);
		abandonConversion(loss);
		endObservation(loss);
		logger.warn("{} (token {})", loss.getMessage(), token());
		if (!(before instanceof List<?> list)) {
			return;
		}
		List<Consumer<LockLostException>> listeners = (List<Consumer<LockLostException>>) list;
		for (Consumer<LockLostException> listener : listeners) {
			if (listeners.remove(listener)) {
				notify(listener, loss);
			}
		}
	}

	private void notify(Consumer<LockLostException> listener, LockLostException loss) {
		this.grants.callbackExecutor().execute(() -> {
			try {
				listener.accept(loss);
			}
			catch (RuntimeException ex) {
				logger.warn("A lock-loss listener of '{}' failed", key(), ex);
			}
		});
	}

	/**
	 * What every grant of a manager shares.
	 */
	interface Registry {

		/** The clock every grant measures with. */
		TimeSource time();

		/** Where loss listeners run. */
		Executor callbackExecutor();

		/** Gives a grant whose last hold was released back to the backend. */
		void lastHoldReleased(Grant grant);

		/** Starts telling a blocking listener what waits for the grant. */
		void blockingListenerAdded(Grant grant, Consumer<LockMode> listener);

		/** The grant's mode changed: what it blocks may have changed too. */
		void modeChanged(Grant grant);

		/** The grant was lost. */
		void lost(Grant grant);

		/** Reads the grant's value block, or answers from what it read or set. */
		LockValue value(Grant grant);

		/** Sets the value the grant writes when it leaves {@code PW} and {@code EX}. */
		void setValue(Grant grant, byte[] bytes);

		/** The value the grant's holder set and has not written yet, or {@code null}. */
		@Nullable LockValue valueToWrite(Grant grant);

		/** The grant's value was written, or found not writable. */
		void valueWritten(Grant grant, LockValue value);

		/** The conversions under way on the manager's grants. */
		ConversionsUnderWay conversions();

		/** What starts the conversions of the manager's grants. */
		Converter converter();

	}

	/**
	 * What converts a grant's mode (the manager's conversions), as a handle asks for it.
	 */
	interface Converter {

		/** Converts, waiting up to {@code waitTime}; see {@link LockHandle#convert}. */
		void convert(Grant grant, LockMode target, Duration waitTime) throws InterruptedException;

		/** Converts if nothing blocks it; see {@link LockHandle#tryConvert}. */
		boolean tryConvert(Grant grant, LockMode target);

		/** Converts without blocking the caller; see {@link LockHandle#convertAsync}. */
		CompletableFuture<LockHandle> convertAsync(LockHandle handle, Grant grant, LockMode target, Duration waitTime);

	}

	/**
	 * A granted mode with its fencing token.
	 */
	record Held(LockMode mode, long token) {

		// written out: the generated equals goes through method handles, a measurable part
		// of a conversion's own time on the caller's thread
		@Override
		public boolean equals(@Nullable Object other) {
			return other instanceof Held held && held.mode == this.mode && held.token == this.token;
		}

		@Override
		public int hashCode() {
			return 31 * this.mode.hashCode() + Long.hashCode(this.token);
		}

	}

	/**
	 * The conversion a grant waits for: its target, and how to end it when the grant is
	 * lost or released first.
	 */
	record PendingConversion(LockMode target, Consumer<LockLostException> abandon) {
	}

	/**
	 * The conversions under way on a manager's grants and the withdrawals of those given up,
	 * kept by grant rather than in each grant: one grant lives per held lock, and few of them
	 * convert at any time. A grant's entries here go when its conversion ends and when its
	 * withdrawal settles.
	 */
	static final class ConversionsUnderWay {

		private static final CompletableFuture<Void> SETTLED = CompletableFuture.completedFuture(null);

		private final ConcurrentHashMap<Grant, PendingConversion> pending = new ConcurrentHashMap<>();

		private final ConcurrentHashMap<Grant, CompletableFuture<Void>> withdrawals = new ConcurrentHashMap<>();

		/**
		 * Makes a conversion the grant's pending one.
		 * @return whether it is, {@code false} if another one is pending
		 */
		boolean start(Grant grant, PendingConversion started) {
			return this.pending.putIfAbsent(grant, started) == null;
		}

		/** Ends the grant's pending conversion, if it is still {@code ended}. */
		void end(Grant grant, PendingConversion ended) {
			this.pending.remove(grant, ended);
		}

		/** The grant's pending conversion, if any. */
		@Nullable PendingConversion of(Grant grant) {
			return this.pending.get(grant);
		}

		/** Records the withdrawal of a conversion given up; the grant's next conversion waits for it. */
		void withdrawing(Grant grant, CompletableFuture<Void> withdrawal) {
			this.withdrawals.put(grant, withdrawal);
			withdrawal.whenComplete((done, failure) -> this.withdrawals.remove(grant, withdrawal));
		}

		/** Settles once the withdrawal of the grant's last conversion given up is confirmed or moot. */
		CompletableFuture<Void> withdrawalsSettled(Grant grant) {
			return this.withdrawals.getOrDefault(grant, SETTLED);
		}

	}

}
