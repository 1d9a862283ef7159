package dev.dlock.engine;

import java.security.SecureRandom;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;

/**
 * Makes requests with new owner ids: 128 random bits, unguessable, so that only the owner
 * can release; kept as two {@code long}s in the request rather than as a string.
 */
final class OwnerIds {

	private static final SecureRandom RANDOM = new SecureRandom();

	private OwnerIds() {
	}

	static AcquireRequest request(String key, LockMode mode, boolean waitIfBusy) {
		return new AcquireRequest(key, mode, RANDOM.nextLong(), RANDOM.nextLong(), waitIfBusy);
	}

}
