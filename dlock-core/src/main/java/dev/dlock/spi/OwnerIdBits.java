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
 * Only a canonical text stands for bits ({@link #bits}); any other owner id is kept as text.
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
	 * The bits of a canonical text.
	 * @param text an owner id
	 * @return its first and last 64 bits, or {@code null} when it is not the canonical text
	 * of 128 bits
	 */
	public static long @Nullable [] bits(String text) {
		if (text.length() != TEXT_LENGTH) {
			return null;
		}
		long high = 0;
		long low = 0;
		for (int i = 0; i < TEXT_LENGTH - 1; i++) {
			int value = valueOf(text.charAt(i));
			if (value < 0) {
				return null;
			}
			high = (high << 6) | (low >>> 58);
			low = (low << 6) | value;
		}
		// the last character carries the last 2 bits; its other 4 are zero in a canonical text
		int last = valueOf(text.charAt(TEXT_LENGTH - 1));
		if (last < 0 || (last & 0xF) != 0) {
			return null;
		}
		return new long[] { (high << 2) | (low >>> 62), (low << 2) | (last >>> 4) };
	}

	/**
	 * Whether a text is the canonical text of the given bits, without building the text.
	 * @param text an owner id
	 * @param high the first 64 bits
	 * @param low the last 64 bits
	 * @return whether {@code text} equals {@code text(high, low)}
	 */
	public static boolean matches(String text, long high, long low) {
		long[] bits = bits(text);
		return bits != null && bits[0] == high && bits[1] == low;
	}

	private static int valueOf(char c) {
		return (c < VALUES.length) ? VALUES[c] : -1;
	}

}
