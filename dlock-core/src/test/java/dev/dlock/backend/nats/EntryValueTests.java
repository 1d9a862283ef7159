package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;

import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The value stored in a queue entry.
 */
class EntryValueTests {

	@Test
	void valueRoundTripsWithAKeyThatHasSpacesAndNewlines() {
		EntryValue value = new EntryValue(LockMode.PW, 42, "order 7\nline two ключ");
		assertThat(EntryValue.decode(value.encode())).isEqualTo(value);
	}

	@Test
	void firstWriteMeansTheTicketIsTheRevisionOfThatMessage() {
		EntryValue created = new EntryValue(LockMode.EX, 0, "k");
		EntryValue renewed = new EntryValue(LockMode.EX, 17, "k");
		assertThat(created.ticketAt(17)).isEqualTo(17);
		assertThat(renewed.ticketAt(30)).isEqualTo(17);
	}

	@Test
	void foreignValuesAreNotEntries() {
		assertThat(EntryValue.decode(null)).isNull();
		assertThat(EntryValue.decode(new byte[0])).isNull();
		assertThat(EntryValue.decode(bytes("hello"))).isNull();
		assertThat(EntryValue.decode(bytes("v1 XX 3 k"))).isNull();
		assertThat(EntryValue.decode(bytes("v1 EX three k"))).isNull();
		assertThat(EntryValue.decode(bytes("v2 EX 3 k"))).isNull();
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
