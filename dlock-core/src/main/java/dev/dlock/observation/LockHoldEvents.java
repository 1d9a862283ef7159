package dev.dlock.observation;

import io.micrometer.observation.Observation;

/**
 * Events of a {@code dlock.hold} observation. With Micrometer's default meter handler each
 * becomes a counter named after the observation and the event
 * ({@code dlock.hold.value.invalid}), tagged as the hold is.
 *
 * @since 0.1.0
 */
public enum LockHoldEvents implements Observation.Event {

	/**
	 * The holder read its key's value block and found it invalid: a {@code PW} or
	 * {@code EX} holder was lost after the last write (DESIGN.md §12).
	 */
	INVALID_VALUE_READ {
		@Override
		public String getName() {
			return "value.invalid";
		}

		@Override
		public String getContextualName() {
			return "invalid value read";
		}
	}

}
