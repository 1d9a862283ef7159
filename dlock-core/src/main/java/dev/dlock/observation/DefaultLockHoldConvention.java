package dev.dlock.observation;

import java.util.Locale;

import io.micrometer.common.KeyValues;

/**
 * The default {@code dlock.hold} convention: tags backend, mode and outcome; key and
 * fencing token are high cardinality only.
 *
 * @since 0.1.0
 */
public class DefaultLockHoldConvention implements LockHoldConvention {

	/** A shared instance. */
	public static final DefaultLockHoldConvention INSTANCE = new DefaultLockHoldConvention();

	@Override
	public String getName() {
		return "dlock.hold";
	}

	@Override
	public String getContextualName(LockHoldContext context) {
		return "hold " + context.getMode();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LockHoldContext context) {
		LockHoldContext.Outcome outcome = context.getOutcome();
		return KeyValues.of(LockObservationDocumentation.LowCardinalityKeys.BACKEND.withValue(context.getBackend()),
				LockObservationDocumentation.LowCardinalityKeys.MODE.withValue(context.getMode().name()),
				LockObservationDocumentation.LowCardinalityKeys.OUTCOME
					.withValue((outcome != null) ? outcome.name().toLowerCase(Locale.ROOT) : "held"));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(LockHoldContext context) {
		return KeyValues.of(LockObservationDocumentation.HighCardinalityKeys.KEY.withValue(context.getKey()),
				LockObservationDocumentation.HighCardinalityKeys.FENCING_TOKEN
					.withValue(Long.toString(context.getFencingToken())));
	}

}
