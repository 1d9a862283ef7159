package dev.dlock.spi;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

import org.jspecify.annotations.Nullable;

/**
 * The text of an owner id of 128 bits ({@link AcquireRequest#ownerId()}): 22 characters
 * of base64url without padding, the first {@code long} first. What keeps one id per held
 * lock keeps the two {@code long}s (16 bytes) rather than the text (a string of 64 bytes),
 * and reads the text only where it needs it.
 * <p>
 * A text is <em>canonical</em> when it is what {@link #text} gives for some bits: 22
 * characters of the base64url alphabet whose last one carries no bits beyond the 128.
 * Only a canonical text stands for bits; any other owner id is kept as text.
 *
 * @since 0.1.0
 */
public final class OwnerIdBits {

	/** The length of a canonical text. */
	public static final int TEXT_LENGTH = 22;

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	/** The value of each base64url character, -1 for any other. */
	private static final byte[] VALUES = new byte[128];

	static {
		Arrays.fill(VALUES, (byte) -1);
		String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		for (int i = 0; i < alphabet.length(); i++) {
			VALUES[alphabet.charAt(i)] = (byte) i;
		}
	}

	private OwnerIdBits() {
	}

	/**
	 * The canonical text of 128 bits.
	 * @param high the first 64 bits
	 * @param low the last 64 bits
	 * @return 22 characters of base64url
	 */
	public static String text(long high, long low) {
		return ENCODER.encodeToString(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
	}

	/**
	 * Whether a text is the canonical text of some 128 bits.
	 * @param text an owner id
	 * @return whether {@link #high} and {@link #low} give its bits
	 */
	public static boolean isCanonical(String text) {
		return decode(text) != null;
	}

	/**
	 * The first 64 bits of a canonical text.
	 * @param text a canonical text
	 * @return its first 64 bits
	 * @throws IllegalArgumentException if the text is not canonical
	 */
	public static long high(String text) {
		return bitsOf(text)[0];
	}

	/**
	 * The last 64 bits of a canonical text.
	 * @param text a canonical text
	 * @return its last 64 bits
	 * @throws IllegalArgumentException if the text is not canonical
	 */
	public static long low(String text) {
		return bitsOf(text)[1];
	}

	/**
	 * Whether a text is the canonical text of the given bits, without building either.
	 * @param text an owner id
	 * @param high the first 64 bits
	 * @param low the last 64 bits
	 * @return whether {@code text} equals {@code text(high, low)}
	 */
	public static boolean matches(String text, long high, long low) {
		if (text.length() != TEXT_LENGTH) {
			return false;
		}
		long decodedHigh = 0;
		long decodedLow = 0;
		for (int i = 0; i < TEXT_LENGTH - 1; i++) {
			int value = valueOf(text.charAt(i));
			if (value < 0) {
				return false;
			}
			decodedHigh = (decodedHigh << 6) | (decodedLow >>> 58);
			decodedLow = (decodedLow << 6) | value;
		}
		// the last character carries the last 2 bits; its other 4 are zero in a canonical text
		int last = valueOf(text.charAt(TEXT_LENGTH - 1));
		if (last < 0 || (last & 0xF) != 0) {
			return false;
		}
		decodedHigh = (decodedHigh << 2) | (decodedLow >>> 62);
		decodedLow = (decodedLow << 2) | (last >>> 4);
		return decodedHigh == high && decodedLow == low;
	}

	/** The bits of a canonical text, or {@code null} for any other text. */
	private static long @Nullable [] decode(String text) {
		if (text.length() != TEXT_LENGTH || !text.chars().allMatch((c) -> valueOf((char) c) >= 0)) {
			return null;
		}
		ByteBuffer bytes = ByteBuffer.wrap(Base64.getUrlDecoder().decode(text));
		long[] bits = { bytes.getLong(), bytes.getLong() };
		return matches(text, bits[0], bits[1]) ? bits : null;
	}

	private static long[] bitsOf(String text) {
		long[] bits = decode(text);
		if (bits == null) {
			throw new IllegalArgumentException("Not the canonical text of an owner id of 128 bits");
		}
		return bits;
	}

	private static int valueOf(char c) {
		return (c < VALUES.length) ? VALUES[c] : -1;
	}

}
