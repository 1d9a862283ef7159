package dev.dlock.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code dlock.convert} observation; implement it to change them.
 *
 * @since 0.1.0
 */
public interface LockConversionConvention extends ObservationConvention<LockConversionContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof LockConversionContext;
	}

}
