package dev.dlock.spring.endpoint;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Masks lock keys with HMAC-SHA256 under a secret drawn at random when the mask is made,
 * and kept only in memory: the same key gives the same mask for as long as this object
 * lives, and nobody without the secret can compute a mask, so a dictionary of likely keys
 * (order ids, e-mail addresses) cannot be matched against it.
 */
final class KeyMask {

	private static final String ALGORITHM = "HmacSHA256";

	private static final int SECRET_BYTES = 32;

	private static final int SHOWN_BYTES = 8;

	private final SecretKeySpec secret;

	private KeyMask(byte[] secret) {
		this.secret = new SecretKeySpec(secret, ALGORITHM);
	}

	/**
	 * A mask with a fresh secret from {@link SecureRandom}.
	 * @return the mask
	 */
	static KeyMask withRandomSecret() {
		byte[] secret = new byte[SECRET_BYTES];
		new SecureRandom().nextBytes(secret);
		return new KeyMask(secret);
	}

	/**
	 * The masked form of a key.
	 * @param key a lock key
	 * @return {@code hmac:} and 16 hex digits
	 */
	String apply(String key) {
		try {
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(this.secret);
			byte[] digest = mac.doFinal(key.getBytes(StandardCharsets.UTF_8));
			return "hmac:" + HexFormat.of().formatHex(digest, 0, SHOWN_BYTES);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ALGORITHM + " is not available", ex);
		}
	}

}
