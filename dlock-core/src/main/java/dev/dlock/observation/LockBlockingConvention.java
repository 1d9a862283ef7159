package dev.dlock.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code dlock.blocking} observation; implement it to change them.
 *
 * @since 0.1.0
 */
public interface LockBlockingConvention extends ObservationConvention<LockBlockingContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof LockBlockingContext;
	}

}
