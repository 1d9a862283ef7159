package dev.dlock.observation;

import java.util.Locale;

import io.micrometer.common.KeyValues;

/**
 * The default {@code dlock.convert} convention: tags backend, from-mode, to-mode and
 * outcome; the key is high cardinality only (traces, never metrics).
 *
 * @since 0.1.0
 */
public class DefaultLockConversionConvention implements LockConversionConvention {

	/** A shared instance. */
	public static final DefaultLockConversionConvention INSTANCE = new DefaultLockConversionConvention();

	@Override
	public String getName() {
		return "dlock.convert";
	}

	@Override
	public String getContextualName(LockConversionContext context) {
		return "convert " + context.getFrom() + " to " + context.getTo();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LockConversionContext context) {
		LockConversionContext.Outcome outcome = context.getOutcome();
		return KeyValues.of(LockObservationDocumentation.LowCardinalityKeys.BACKEND.withValue(context.getBackend()),
				LockObservationDocumentation.LowCardinalityKeys.FROM_MODE.withValue(context.getFrom().name()),
				LockObservationDocumentation.LowCardinalityKeys.TO_MODE.withValue(context.getTo().name()),
				LockObservationDocumentation.LowCardinalityKeys.OUTCOME
					.withValue((outcome != null) ? outcome.name().toLowerCase(Locale.ROOT) : "unknown"));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(LockConversionContext context) {
		return KeyValues.of(LockObservationDocumentation.HighCardinalityKeys.KEY.withValue(context.getKey()));
	}

}
