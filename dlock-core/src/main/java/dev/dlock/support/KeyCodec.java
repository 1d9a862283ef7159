package dev.dlock.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import dev.dlock.InvalidLockRequestException;

/**
 * Encodes user keys for backends: base64url without padding of the key's UTF-8 bytes.
 * <p>
 * The result contains only {@code A-Z a-z 0-9 - _}, so it is a valid NATS subject token,
 * etcd key segment and Redis hash tag, and two distinct keys never encode to the same
 * string. Keep the readable key in the stored value for diagnostics.
 *
 * @since 0.1.0
 */
public final class KeyCodec {

	/** The largest key, in UTF-8 bytes (the encoded form stays under NATS's control line limit). */
	public static final int MAX_KEY_BYTES = 1024;

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

	private KeyCodec() {
	}

	/**
	 * Checks a user key.
	 * @param key the key
	 * @return the key
	 * @throws InvalidLockRequestException if the key is empty, is not well-formed UTF-16
	 * (a lone surrogate, which UTF-8 cannot encode and would replace with {@code ?}, so that
	 * distinct keys would share a lock), or is longer than {@link #MAX_KEY_BYTES} UTF-8 bytes
	 */
	public static String validate(String key) {
		if (key.isEmpty()) {
			throw new InvalidLockRequestException("'key' must not be empty");
		}
		int loneSurrogate = firstLoneSurrogate(key);
		if (loneSurrogate >= 0) {
			throw new InvalidLockRequestException("'key' must be well-formed UTF-16, but has a lone surrogate at index "
					+ loneSurrogate);
		}
		int length = key.getBytes(StandardCharsets.UTF_8).length;
		if (length > MAX_KEY_BYTES) {
			throw new InvalidLockRequestException(
					"'key' must be at most " + MAX_KEY_BYTES + " UTF-8 bytes long, but is " + length);
		}
		return key;
	}

	private static int firstLoneSurrogate(String key) {
		for (int i = 0; i < key.length(); i++) {
			char c = key.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
				i++;
			}
			else if (Character.isSurrogate(c)) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * Encodes a key.
	 * @param key the user key
	 * @return the encoded key
	 */
	public static String encode(String key) {
		return ENCODER.encodeToString(key.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Decodes a key encoded by {@link #encode(String)}.
	 * @param encoded the encoded key
	 * @return the user key
	 */
	public static String decode(String encoded) {
		return new String(DECODER.decode(encoded), StandardCharsets.UTF_8);
	}

}
