package dev.dlock.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@code dlock.renew} convention: tags backend and outcome.
 *
 * @since 0.1.0
 */
public class DefaultLockRenewalConvention implements LockRenewalConvention {

	/** A shared instance. */
	public static final DefaultLockRenewalConvention INSTANCE = new DefaultLockRenewalConvention();

	@Override
	public String getName() {
		return "dlock.renew";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(LockRenewalContext context) {
		return KeyValues.of(LockObservationDocumentation.LowCardinalityKeys.BACKEND.withValue(context.getBackend()),
				LockObservationDocumentation.LowCardinalityKeys.OUTCOME
					.withValue(context.isSucceeded() ? "renewed" : "failed"));
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(LockRenewalContext context) {
		return KeyValues.of(
				LockObservationDocumentation.HighCardinalityKeys.ENTRIES.withValue(Integer.toString(context.getEntries())));
	}

}
