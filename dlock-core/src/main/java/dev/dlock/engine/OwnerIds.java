package dev.dlock.engine;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Makes owner ids: 128 random bits, unguessable, so that only the owner can release.
 */
final class OwnerIds {

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private OwnerIds() {
	}

	static String next() {
		byte[] bytes = new byte[16];
		RANDOM.nextBytes(bytes);
		return ENCODER.encodeToString(bytes);
	}

}
