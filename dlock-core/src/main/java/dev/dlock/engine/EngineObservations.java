package dev.dlock.engine;

import java.util.concurrent.CancellationException;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.observation.DefaultLockAcquisitionConvention;
import dev.dlock.observation.DefaultLockBlockingConvention;
import dev.dlock.observation.DefaultLockHoldConvention;
import dev.dlock.observation.DefaultLockRenewalConvention;
import dev.dlock.observation.LockConversionConvention;
import dev.dlock.observation.LockConversionContext;
import dev.dlock.observation.DefaultLockConversionConvention;
import dev.dlock.observation.LockAcquisitionContext;
import dev.dlock.observation.LockAcquisitionConvention;
import dev.dlock.observation.LockBlockingContext;
import dev.dlock.observation.LockBlockingConvention;
import dev.dlock.observation.LockHoldContext;
import dev.dlock.observation.LockHoldConvention;
import dev.dlock.observation.LockObservationDocumentation;
import dev.dlock.observation.LockRenewalContext;
import dev.dlock.observation.LockRenewalConvention;
import dev.dlock.support.AsyncFailures;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Starts and stops the engine's observations: {@code dlock.acquire}, {@code dlock.hold},
 * {@code dlock.convert} and {@code dlock.renew}. With the no-op registry every call is nearly free: contexts are
 * made only for a registry that records.
 */
final class EngineObservations {

	private final ObservationRegistry registry;

	private final String backend;

	private final @Nullable LockAcquisitionConvention acquisitionConvention;

	private final @Nullable LockHoldConvention holdConvention;

	private final @Nullable LockRenewalConvention renewalConvention;

	private final @Nullable LockConversionConvention conversionConvention;

	private final @Nullable LockBlockingConvention blockingConvention;

	EngineObservations(ObservationRegistry registry, String backend,
			@Nullable LockAcquisitionConvention acquisitionConvention, @Nullable LockHoldConvention holdConvention,
			@Nullable LockRenewalConvention renewalConvention, @Nullable LockConversionConvention conversionConvention,
			@Nullable LockBlockingConvention blockingConvention) {
		this.registry = registry;
		this.backend = backend;
		this.acquisitionConvention = acquisitionConvention;
		this.holdConvention = holdConvention;
		this.renewalConvention = renewalConvention;
		this.conversionConvention = conversionConvention;
		this.blockingConvention = blockingConvention;
	}

	/** The backend's name. */
	String backend() {
		return this.backend;
	}

	Observation startAcquisition(String key, LockMode mode) {
		return LockObservationDocumentation.ACQUIRE
			.observation(this.acquisitionConvention, DefaultLockAcquisitionConvention.INSTANCE,
					() -> new LockAcquisitionContext(this.backend, key, mode), this.registry)
			.start();
	}

	/**
	 * Stops an acquisition observation with the outcome that the result shows.
	 * @param granted whether the request ended with a grant
	 */
	static void stopAcquisition(Observation observation, boolean granted, @Nullable Throwable failure,
			boolean cancelled) {
		if (observation.getContext() instanceof LockAcquisitionContext context) {
			context.setOutcome(outcome(granted, failure, cancelled));
		}
		if (failure != null && !granted && !cancelled
				&& !(AsyncFailures.unwrap(failure) instanceof LockAcquisitionTimeoutException)) {
			observation.error(AsyncFailures.unwrap(failure));
		}
		observation.stop();
	}

	private static LockAcquisitionContext.Outcome outcome(boolean granted, @Nullable Throwable failure,
			boolean cancelled) {
		if (granted) {
			return LockAcquisitionContext.Outcome.ACQUIRED;
		}
		if (failure == null) {
			return LockAcquisitionContext.Outcome.BUSY;
		}
		Throwable cause = AsyncFailures.unwrap(failure);
		if (cause instanceof LockAcquisitionTimeoutException) {
			return LockAcquisitionContext.Outcome.TIMEOUT;
		}
		if (cancelled || cause instanceof CancellationException) {
			return LockAcquisitionContext.Outcome.CANCELLED;
		}
		return LockAcquisitionContext.Outcome.ERROR;
	}

	Observation startHold(String key, LockMode mode, long token) {
		return LockObservationDocumentation.HOLD
			.observation(this.holdConvention, DefaultLockHoldConvention.INSTANCE,
					() -> new LockHoldContext(this.backend, key, mode, token), this.registry)
			.start();
	}

	static void stopHold(Observation observation, @Nullable LockLostException loss) {
		if (observation.getContext() instanceof LockHoldContext context) {
			context.setOutcome((loss != null) ? LockHoldContext.Outcome.LOST : LockHoldContext.Outcome.RELEASED);
		}
		if (loss != null) {
			observation.error(loss);
		}
		observation.stop();
	}

	Observation startConversion(String key, LockMode from, LockMode to) {
		return LockObservationDocumentation.CONVERT
			.observation(this.conversionConvention, DefaultLockConversionConvention.INSTANCE,
					() -> new LockConversionContext(this.backend, key, from, to), this.registry)
			.start();
	}

	/**
	 * Stops a conversion observation with the outcome that the result shows.
	 * @param converted whether the conversion was granted
	 */
	static void stopConversion(Observation observation, boolean converted, @Nullable Throwable failure) {
		Throwable cause = (failure != null) ? AsyncFailures.unwrap(failure) : null;
		if (observation.getContext() instanceof LockConversionContext context) {
			context.setOutcome(LockConversionContext.Outcome.of(converted, cause));
		}
		if (cause != null && LockConversionContext.Outcome.of(false, cause) == LockConversionContext.Outcome.FAILED) {
			observation.error(cause);
		}
		observation.stop();
	}

	/** Records one blocking notification. */
	void blocking(String key, LockMode held, LockMode blocked) {
		LockObservationDocumentation.BLOCKING
			.observation(this.blockingConvention, DefaultLockBlockingConvention.INSTANCE,
					() -> new LockBlockingContext(this.backend, key, held, blocked), this.registry)
			.start()
			.stop();
	}

	Observation startRenewal(int entries) {
		return LockObservationDocumentation.RENEW
			.observation(this.renewalConvention, DefaultLockRenewalConvention.INSTANCE,
					() -> new LockRenewalContext(this.backend, entries), this.registry)
			.start();
	}

	static void stopRenewal(Observation observation, @Nullable Throwable failure) {
		if (observation.getContext() instanceof LockRenewalContext context) {
			context.setSucceeded(failure == null);
		}
		if (failure != null) {
			observation.error(AsyncFailures.unwrap(failure));
		}
		observation.stop();
	}

}
