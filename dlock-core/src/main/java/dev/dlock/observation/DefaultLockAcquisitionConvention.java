package dev.dlock.observation;

import java.util.Locale;

import io.micrometer.common.KeyValues;

/**
 * The default {@code dlock.acquire} convention: tags backend, mode and outcome; the key is
 * high cardinality only (traces, never metrics).
 *
 * @since 0.1.0
 */
public class DefaultLockAcquisitionConvention implements LockAcquisitionConvention {

	/** A shared instance. */
	public static final DefaultLockAcquisitionConvention INSTANCE = new DefaultLockAcquisitionConvention();

	@Override
	public String getName() {
		return "dlock.acquire";
	}

	@Override
	public String getContextualName(LockAcquisitionContext context) {
		return "lock " + context.getMode();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LockAcquisitionContext context) {
		LockAcquisitionContext.Outcome outcome = context.getOutcome();
		return KeyValues.of(LockObservationDocumentation.LowCardinalityKeys.BACKEND.withValue(context.getBackend()),
				LockObservationDocumentation.LowCardinalityKeys.MODE.withValue(context.getMode().name()),
				LockObservationDocumentation.LowCardinalityKeys.OUTCOME
					.withValue((outcome != null) ? outcome.name().toLowerCase(Locale.ROOT) : "unknown"));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(LockAcquisitionContext context) {
		return KeyValues.of(LockObservationDocumentation.HighCardinalityKeys.KEY.withValue(context.getKey()));
	}

}
