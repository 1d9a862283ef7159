package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;

import dev.dlock.LockValue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The value block of a lock key as stored in its bucket.
 */
class ValueBlockTests {

	@Test
	void aValueWithEveryByteRoundTrips() {
		byte[] bytes = new byte[LockValue.MAX_BYTES];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = (byte) i; // newlines, spaces and zero bytes too
		}
		ValueBlock block = ValueBlock.written(new LockValue(bytes, 42, true));
		assertThat(new String(block.encode(), 0, 7, StandardCharsets.US_ASCII)).isEqualTo("v1 42 -");
		assertThat(ValueBlock.decode(block.encode())).isEqualTo(block);
	}

	@Test
	void aLostEntryMarksTheValueInvalidKeepingBytesAndVersionAndNamingItsTicket() {
		ValueBlock lost = ValueBlock.written(new LockValue(bytes("cached"), 42, true)).lostBy(57);
		assertThat(lost).isEqualTo(new ValueBlock(new LockValue(bytes("cached"), 42, false), 57));
		assertThat(new String(lost.encode(), StandardCharsets.US_ASCII)).isEqualTo("v1 42 57\ncached");
		assertThat(ValueBlock.decode(lost.encode())).isEqualTo(lost);
		assertThat(ValueBlock.NONE.lostBy(57)).isEqualTo(new ValueBlock(new LockValue(new byte[0], 0, false), 57));
	}

	@Test
	void aWrittenValueIsValidWhateverItWasGiven() {
		assertThat(ValueBlock.written(new LockValue(bytes("x"), 3, false)))
			.isEqualTo(new ValueBlock(new LockValue(bytes("x"), 3, true), 0));
	}

	@Test
	void dataThatIsNotOneOfOursIsNoValue() {
		assertThat(ValueBlock.decode(null)).isNull();
		assertThat(ValueBlock.decode(new byte[0])).isNull();
		assertThat(ValueBlock.decode(bytes("v3 EX 3 - - 0 3 - - k"))).isNull();
		assertThat(ValueBlock.decode(bytes("v1 x -\n"))).isNull();
		assertThat(ValueBlock.decode(bytes("v1 -1 -\n"))).isNull();
		assertThat(ValueBlock.decode(bytes("v1 4 0\n"))).isNull();
		assertThat(ValueBlock.decode(bytes("v2 4 -\n"))).isNull();
		assertThat(ValueBlock.decode(bytes("v1 4 -\n" + "x".repeat(LockValue.MAX_BYTES + 1)))).isNull();
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
