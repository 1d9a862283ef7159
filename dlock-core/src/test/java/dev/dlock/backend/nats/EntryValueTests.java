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
		EntryValue value = new EntryValue(LockMode.PW, 42, LockMode.PR, LockMode.EX, 50, 45, false, "s",
				"order 7\nline two ключ");
		assertThat(EntryValue.decode(value.encode())).isEqualTo(value);
		EntryValue flagged = new EntryValue(LockMode.CW, 42, null, null, 0, 42, true, "s", "k - F 3");
		assertThat(EntryValue.decode(flagged.encode())).isEqualTo(flagged);
	}

	@Test
	void zeroMeansTheRevisionOfTheMessageThatStoresTheValue() {
		EntryValue created = EntryValue.request(LockMode.EX, "s", "k");
		assertThat(created.at(17)).isEqualTo(new EntryValue(LockMode.EX, 17, null, null, 0, 17, false, "s", "k"));
		EntryValue converting = created.at(17).converting(LockMode.EX, LockMode.NL);
		assertThat(converting.at(30).order()).isEqualTo(30);
		assertThat(converting.at(30).token()).isEqualTo(17);
		EntryValue converted = converting.at(30).grantedWithNewToken(LockMode.PR);
		assertThat(converted.at(41)).isEqualTo(new EntryValue(LockMode.EX, 17, LockMode.PR, null, 0, 41, false, "s", "k"));
		assertThat(converted.at(41).at(50)).isEqualTo(converted.at(41));
	}

	@Test
	void flaggingAWaitingRequestKeepsItsTicketAsToken() {
		EntryValue waiting = new EntryValue(LockMode.PW, 17, LockMode.PW, null, 0, 33, false, "s", "k");
		assertThat(waiting.flag()).isEqualTo(new EntryValue(LockMode.PW, 17, null, null, 0, 17, true, "s", "k"));
	}

	@Test
	void valueOfVersionOneIsARequestWithNoGrantWrittenDown() {
		assertThat(EntryValue.decode(bytes("v1 PR 12 order 7")))
			.isEqualTo(new EntryValue(LockMode.PR, 12, null, null, 0, 12, false, null, "order 7"));
		assertThat(EntryValue.decode(bytes("v1 PR 0 k")).at(12))
			.isEqualTo(new EntryValue(LockMode.PR, 12, null, null, 0, 12, false, null, "k"));
	}

	@Test
	void valueOfVersionTwoHasNoSession() {
		assertThat(EntryValue.decode(bytes("v2 EX 3 PR - 0 5 - order 7")))
			.isEqualTo(new EntryValue(LockMode.EX, 3, LockMode.PR, null, 0, 5, false, null, "order 7"));
	}

	@Test
	void valueWithoutASessionRoundTrips() {
		EntryValue value = new EntryValue(LockMode.EX, 3, null, null, 0, 3, false, null, "k");
		assertThat(new String(value.encode(), StandardCharsets.UTF_8)).isEqualTo("v3 EX 3 - - 0 3 - - k");
		assertThat(EntryValue.decode(value.encode())).isEqualTo(value);
	}

	@Test
	void aNewRequestCarriesItsSession() {
		EntryValue created = EntryValue.request(LockMode.PR, "session-1", "k");
		assertThat(new String(created.encode(), StandardCharsets.UTF_8)).isEqualTo("v3 PR 0 - - 0 0 - session-1 k");
		assertThat(EntryValue.decode(created.encode()).session()).isEqualTo("session-1");
		assertThat(created.at(9).flag().session()).isEqualTo("session-1");
	}

	@Test
	void valuesReadWithTheSameSessionShareOneIdInstance() {
		EntryValue first = EntryValue.decode(bytes("v3 EX 3 - - 0 3 - " + "session-" + 7 + " a"));
		EntryValue second = EntryValue.decode(bytes("v3 PR 4 - - 0 4 - " + "session-" + 7 + " b"));
		assertThat(first.session()).isEqualTo("session-7").isSameAs(second.session());
	}

	@Test
	void foreignValuesAreNotEntries() {
		assertThat(EntryValue.decode(null)).isNull();
		assertThat(EntryValue.decode(new byte[0])).isNull();
		assertThat(EntryValue.decode(bytes("hello"))).isNull();
		assertThat(EntryValue.decode(bytes("v1 XX 3 k"))).isNull();
		assertThat(EntryValue.decode(bytes("v1 EX three k"))).isNull();
		assertThat(EntryValue.decode(bytes("v2 EX 3 k"))).isNull();
		assertThat(EntryValue.decode(bytes("v2 EX 3 - - 0 3 X k"))).isNull();
		assertThat(EntryValue.decode(bytes("v2 EX 3 QQ - 0 3 - k"))).isNull();
		assertThat(EntryValue.decode(bytes("v3 EX 3 - - 0 3 - k"))).isNull();
		assertThat(EntryValue.decode(bytes("v3 EX 3 - - 0 3 X s k"))).isNull();
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
