package dev.dlock.autoconfigure;

import java.util.Locale;
import java.util.Map;

import dev.dlock.DistributedLockException;
import dev.dlock.autoconfigure.DlockProperties.Backend;
import org.jspecify.annotations.Nullable;

/**
 * Thrown at start-up when no lock backend could be set up.
 */
class NoLockBackendException extends DistributedLockException {

	private final @Nullable Backend requested;

	private final Map<Backend, String> reasons;

	/**
	 * Creates an exception.
	 * @param requested the backend that {@code dlock.backend} names, if set
	 * @param reasons why each backend was not used, in order of priority
	 */
	NoLockBackendException(@Nullable Backend requested, Map<Backend, String> reasons) {
		super((requested != null)
				? "The lock backend named by dlock.backend (" + requested.name().toLowerCase(Locale.ROOT)
						+ ") could not be set up"
				: "No lock backend is configured and none was detected", null);
		this.requested = requested;
		this.reasons = reasons;
	}

	@Nullable Backend requested() {
		return this.requested;
	}

	Map<Backend, String> reasons() {
		return this.reasons;
	}

}
