package dev.dlock.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.support.TimeSource;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A granted lock with its holds: one for the first acquire and one per re-entrant
 * acquire. The grant goes back to the backend when the last hold is released.
 */
final class Grant {

	private static final Logger logger = LoggerFactory.getLogger(Grant.class);

	private final EngineSession session;

	private final LiveEntry entry;

	/** The granted mode and its token; both change when a conversion is granted. */
	private volatile Held held;

	private final AtomicReference<@Nullable PendingConversion> conversion = new AtomicReference<>();

	/** Settles once the withdrawal of the last conversion given up is confirmed or moot. */
	private volatile CompletableFuture<Void> withdrawals = CompletableFuture.completedFuture(null);

	private final long grantedAt;

	private final TimeSource time;

	private final Executor callbackExecutor;

	private final Consumer<Grant> onLastRelease;

	private final AtomicInteger holds = new AtomicInteger(1);

	private final List<Consumer<LockLostException>> lossListeners = new CopyOnWriteArrayList<>();

	private volatile @Nullable LockLostException lost;

	private volatile @Nullable Thread holderThread;

	private final Observation observation;

	private final AtomicBoolean ended = new AtomicBoolean();

	Grant(EngineSession session, LiveEntry entry, long token, TimeSource time, Executor callbackExecutor,
			Consumer<Grant> onLastRelease, Observation observation) {
		this.observation = observation;
		this.session = session;
		this.entry = entry;
		this.held = new Held(entry.request().mode(), token);
		this.time = time;
		this.grantedAt = time.nanoTime();
		this.callbackExecutor = callbackExecutor;
		this.onLastRelease = onLastRelease;
		entry.lossListener(this::markLost);
	}

	String key() {
		return this.entry.request().key();
	}

	LockMode mode() {
		return this.held.mode();
	}

	long token() {
		return this.held.token();
	}

	/** The mode and token as one consistent pair. */
	Held held() {
		return this.held;
	}

	/** Records a granted conversion. */
	void converted(LockMode mode, long token) {
		this.held = new Held(mode, token);
		logger.debug("Converted lock '{}' to mode {} with token {}", key(), mode, token);
	}

	/** Goes back to what was held before a conversion whose grant nobody received. */
	void restore(Held before) {
		this.held = before;
	}

	/** The number of holds not yet released. */
	int holds() {
		return this.holds.get();
	}

	/**
	 * Makes a conversion the grant's pending one.
	 * @return whether it is, {@code false} if another one is pending
	 */
	boolean startConversion(PendingConversion started) {
		return this.conversion.compareAndSet(null, started);
	}

	void endConversion(PendingConversion ended) {
		this.conversion.compareAndSet(ended, null);
	}

	/** Records the withdrawal of a conversion given up; the next conversion waits for it. */
	void withdrawing(CompletableFuture<Void> withdrawal) {
		this.withdrawals = withdrawal;
	}

	/** Settles once the withdrawal of the last conversion given up is confirmed or moot. */
	CompletableFuture<Void> withdrawalsSettled() {
		return this.withdrawals;
	}

	/** The pending conversion, if any. */
	@Nullable PendingConversion pendingConversion() {
		return this.conversion.get();
	}

	long grantedAt() {
		return this.grantedAt;
	}

	@Nullable Thread holderThread() {
		return this.holderThread;
	}

	void holderThread(Thread thread) {
		this.holderThread = thread;
	}

	/** The session the grant's entry lives under. */
	EngineSession session() {
		return this.session;
	}

	LiveEntry entry() {
		return this.entry;
	}

	boolean isValid() {
		return this.lost == null && this.entry.isAlive(this.time.nanoTime());
	}

	/** Throws what {@link #lossOrExpiry()} returns, if anything. */
	void lossOrExpiryThrow() {
		LockLostException loss = lossOrExpiry();
		if (loss != null) {
			throw loss;
		}
	}

	@Nullable LockLostException lossOrExpiry() {
		LockLostException loss = this.lost;
		if (loss != null) {
			return loss;
		}
		if (!this.entry.isAlive(this.time.nanoTime())) {
			return lost("Lock '" + key() + "' in mode " + mode()
					+ " is no longer valid: released, or its lease could not be proved alive", null);
		}
		return null;
	}

	/** Adds a re-entrant hold if the grant is still valid. */
	boolean tryAddHold() {
		while (isValid()) {
			int current = this.holds.get();
			if (current <= 0) {
				return false;
			}
			if (this.holds.compareAndSet(current, current + 1)) {
				return true;
			}
		}
		return false;
	}

	void releaseHold() {
		if (this.holds.decrementAndGet() == 0) {
			abandonConversion(lost("Lock '" + key() + "' was released while converting", null));
			this.onLastRelease.accept(this);
			endObservation(null);
		}
	}

	void onLost(Consumer<LockLostException> listener) {
		this.lossListeners.add(listener);
		LockLostException loss = this.lost;
		if (loss != null && this.lossListeners.remove(listener)) {
			notify(listener, loss);
		}
	}

	private void endObservation(@Nullable LockLostException loss) {
		if (this.ended.compareAndSet(false, true)) {
			EngineObservations.stopHold(this.observation, loss);
		}
	}

	private void abandonConversion(LockLostException reason) {
		PendingConversion pending = this.conversion.get();
		if (pending != null) {
			pending.abandon().accept(reason);
		}
	}

	/** A loss of this grant as it is held now. */
	LockLostException lost(String message, @Nullable Throwable cause) {
		Held now = this.held;
		return new LockLostException(key(), now.mode(), now.token(), message, cause);
	}

	private void markLost(String message, @Nullable Throwable cause) {
		LockLostException loss = lost(message, cause);
		this.lost = loss;
		abandonConversion(loss);
		endObservation(loss);
		logger.warn("{} (token {})", loss.getMessage(), token());
		for (Consumer<LockLostException> listener : this.lossListeners) {
			if (this.lossListeners.remove(listener)) {
				notify(listener, loss);
			}
		}
	}

	private void notify(Consumer<LockLostException> listener, LockLostException loss) {
		this.callbackExecutor.execute(() -> {
			try {
				listener.accept(loss);
			}
			catch (RuntimeException ex) {
				logger.warn("A lock-loss listener of '{}' failed", key(), ex);
			}
		});
	}

	/**
	 * A granted mode with its fencing token.
	 */
	record Held(LockMode mode, long token) {
	}

	/**
	 * The conversion a grant waits for: its target, and how to end it when the grant is
	 * lost or released first.
	 */
	record PendingConversion(LockMode target, Consumer<LockLostException> abandon) {
	}

}
