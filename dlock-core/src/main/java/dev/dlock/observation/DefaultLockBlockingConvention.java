package dev.dlock.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@code dlock.blocking} convention: tags backend, the held mode and the
 * blocked mode; the key is high cardinality only (traces, never metrics).
 *
 * @since 0.1.0
 */
public class DefaultLockBlockingConvention implements LockBlockingConvention {

	/** A shared instance. */
	public static final DefaultLockBlockingConvention INSTANCE = new DefaultLockBlockingConvention();

	@Override
	public String getName() {
		return "dlock.blocking";
	}

	@Override
	public String getContextualName(LockBlockingContext context) {
		return context.getHeldMode() + " blocks " + context.getBlockedMode();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LockBlockingContext context) {
		return KeyValues.of(LockObservationDocumentation.LowCardinalityKeys.BACKEND.withValue(context.getBackend()),
				LockObservationDocumentation.LowCardinalityKeys.MODE.withValue(context.getHeldMode().name()),
				LockObservationDocumentation.LowCardinalityKeys.BLOCKED_MODE.withValue(context.getBlockedMode().name()));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(LockBlockingContext context) {
		return KeyValues.of(LockObservationDocumentation.HighCardinalityKeys.KEY.withValue(context.getKey()));
	}

}
