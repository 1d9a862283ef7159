package dev.dlock.spi;

import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An owner id's text and its 128 bits: the text a request shows reads back as its bits, and
 * only a canonical text stands for bits.
 */
class OwnerIdBitsTests {

	private static final long[][] BITS = { { 0, 0 }, { -1, -1 }, { 0x0123456789abcdefL, -2L },
			{ Long.MIN_VALUE, 1 }, { 1, Long.MIN_VALUE }, { 0x7fffffffffffffffL, 0x5555555555555555L } };

	@Test
	void theTextOfBitsReadsBackAsTheSameBits() {
		for (long[] bits : BITS) {
			String text = OwnerIdBits.text(bits[0], bits[1]);
			assertThat(text).hasSize(OwnerIdBits.TEXT_LENGTH)
				.isEqualTo(new AcquireRequest("k", LockMode.EX, bits[0], bits[1], true).ownerId());
			assertThat(OwnerIdBits.bits(text)).containsExactly(bits[0], bits[1]);
			assertThat(OwnerIdBits.matches(text, bits[0], bits[1])).isTrue();
			assertThat(OwnerIdBits.matches(text, bits[0], bits[1] ^ 1)).isFalse();
			assertThat(OwnerIdBits.matches(text, bits[0] ^ Long.MIN_VALUE, bits[1])).isFalse();
		}
	}

	@Test
	void otherTextsStandForNoBits() {
		String canonical = OwnerIdBits.text(0x0123456789abcdefL, -2L);
		// the last character carries 2 bits: one with any of its 4 other bits set is not canonical
		String extraBits = canonical.substring(0, 21) + "B";
		for (String text : new String[] { "owner-1", "", canonical + "A", canonical.substring(1), extraBits,
				canonical.substring(0, 21) + "+", canonical.substring(0, 21) + "=", canonical.replace(canonical.charAt(3), 'é') }) {
			assertThat(OwnerIdBits.bits(text)).as(text).isNull();
			assertThat(OwnerIdBits.matches(text, 0x0123456789abcdefL, -2L)).as(text).isFalse();
		}
	}

}
