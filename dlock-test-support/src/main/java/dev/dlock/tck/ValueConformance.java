package dev.dlock.tck;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The value-block checks of the conformance kit (DESIGN.md §12), run for every backend as
 * the kit's nested {@code Values} class: what a {@code PW} or {@code EX} holder sets is
 * what the next holder reads, with the writer's token as version; a lost writer leaves the
 * value invalid; values of distinct keys never mix.
 *
 * @since 0.1.0
 */
public abstract class ValueConformance {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Makes a manager on a new client, closed after the test.
	 * @return the manager
	 */
	protected abstract LockManager newManager();

	/**
	 * Makes a manager on a new client that the test can cut off, closed after the test.
	 * @return the client
	 */
	protected abstract LockBackendConformanceKit.Client newClient();

	/**
	 * The lease time of the managers, which a session opened at the SPI uses too (NATS
	 * serves one lease time per bucket).
	 * @return the lease time
	 */
	protected abstract Duration leaseTime();

	/**
	 * How long a crashed holder's lock may take to be free: lease, renewal period and the
	 * backend's slack, with room to spare.
	 * @return the longest wait
	 */
	protected abstract Duration crashWait();

	@Test
	void aKeyNeverWrittenReadsAsNone() throws Exception {
		try (LockHandle reader = newManager().acquire(LockBackendConformanceKit.newKey(), LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(LockValue.NONE);
		}
	}

	@ParameterizedTest
	@EnumSource(value = LockMode.class, names = { "PW", "EX" })
	void aValueSetIsReadByTheNextHolderWithTheWritersTokenAsVersion(LockMode writing) throws Exception {
		String key = LockBackendConformanceKit.newKey();
		long token;
		try (LockHandle writer = newManager().acquire(key, writing, WAIT)) {
			writer.setValue(bytes("price=42"));
			token = writer.fencingToken();
			assertThat(writer.value()).isEqualTo(new LockValue(bytes("price=42"), token, true));
		}
		for (LockMode reading : List.of(LockMode.CR, LockMode.PR, LockMode.EX)) {
			try (LockHandle reader = newManager().acquire(key, reading, WAIT)) {
				assertThat(reader.value()).as("read in %s", reading)
					.isEqualTo(new LockValue(bytes("price=42"), token, true));
			}
		}
	}

	@Test
	void versionsGrowWithEveryWriteAndTheLastValueSetWins() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockManager manager = newManager();
		long previous = 0;
		for (int write = 1; write <= 3; write++) {
			try (LockHandle writer = manager.acquire(key, (write % 2 == 0) ? LockMode.PW : LockMode.EX, WAIT)) {
				writer.setValue(bytes("draft"));
				writer.setValue(bytes("v" + write));
			}
			try (LockHandle reader = newManager().acquire(key, LockMode.PR, WAIT)) {
				LockValue value = reader.value();
				assertThat(value.bytes()).isEqualTo(bytes("v" + write));
				assertThat(value.version()).isGreaterThan(previous);
				previous = value.version();
			}
		}
	}

	@Test
	void aWriterThatSetsNothingLeavesTheValueAsItWas() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockValue written = write(key, "kept");
		newManager().acquire(key, LockMode.EX, WAIT).release();
		try (LockHandle reader = newManager().acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(written);
		}
	}

	@Test
	void aValueSetIsSeenByNobodyBeforeTheWriterLetsGo() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockValue first = write(key, "first");
		LockHandle writer = newManager().acquire(key, LockMode.PW, WAIT);
		writer.setValue(bytes("second"));
		// CR is compatible with PW: it reads while the writer holds, and sees the last write
		try (LockHandle reader = newManager().acquire(key, LockMode.CR, WAIT)) {
			assertThat(reader.value()).isEqualTo(first);
		}
		writer.release();
		try (LockHandle reader = newManager().acquire(key, LockMode.CR, WAIT)) {
			assertThat(reader.value().bytes()).isEqualTo(bytes("second"));
		}
	}

	@Test
	void aDownConversionWritesTheValueBeforeOthersGetIn() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockHandle writer = newManager().acquire(key, LockMode.EX, WAIT);
		writer.setValue(bytes("converted"));
		long writersToken = writer.fencingToken();
		var reader = newManager().acquireAsync(key, LockMode.PR, LockOptions.waitTime(WAIT));
		writer.convert(LockMode.PR, WAIT);
		try (LockHandle read = reader.get(10, TimeUnit.SECONDS)) {
			assertThat(read.value()).isEqualTo(new LockValue(bytes("converted"), writersToken, true));
		}
		assertThat(writer.value().bytes()).isEqualTo(bytes("converted"));
		writer.release();
	}

	@ParameterizedTest
	@EnumSource(value = LockMode.class, names = { "NL", "CR", "CW", "PR" })
	void onlyAWritingModeSetsTheValue(LockMode mode) throws Exception {
		try (LockHandle holder = newManager().acquire(LockBackendConformanceKit.newKey(), mode, WAIT)) {
			assertThatIllegalStateException().isThrownBy(() -> holder.setValue(bytes("no")))
				.withMessageContaining(mode.name());
		}
	}

	@Test
	void anNlHolderReadsNoValue() throws Exception {
		try (LockHandle holder = newManager().acquire(LockBackendConformanceKit.newKey(), LockMode.NL, WAIT)) {
			assertThatIllegalStateException().isThrownBy(holder::value).withMessageContaining("NL");
		}
	}

	@Test
	void theValueIsBounded() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		byte[] largest = new byte[LockValue.MAX_BYTES];
		for (int i = 0; i < largest.length; i++) {
			largest[i] = (byte) i; // every byte value, zero and high bytes too
		}
		try (LockHandle writer = newManager().acquire(key, LockMode.EX, WAIT)) {
			assertThatIllegalArgumentException().isThrownBy(() -> writer.setValue(new byte[LockValue.MAX_BYTES + 1]))
				.withMessageContaining(String.valueOf(LockValue.MAX_BYTES));
			assertThatIllegalArgumentException().isThrownBy(() -> writer.setValue(null));
			writer.setValue(largest);
		}
		try (LockHandle reader = newManager().acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value().bytes()).isEqualTo(largest);
		}
	}

	@Test
	void aReleasedHandleNeitherReadsNorSets() throws Exception {
		LockHandle writer = newManager().acquire(LockBackendConformanceKit.newKey(), LockMode.EX, WAIT);
		writer.release();
		assertThatExceptionOfType(LockLostException.class).isThrownBy(writer::value);
		assertThatExceptionOfType(LockLostException.class).isThrownBy(() -> writer.setValue(bytes("late")));
	}

	@ParameterizedTest
	@EnumSource(value = LockMode.class, names = { "PW", "EX" })
	void aCrashedWriterLeavesTheValueInvalidUntilTheNextWrite(LockMode writing) throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockValue first = write(key, "before the crash");
		LockBackendConformanceKit.Client crashing = newClient();
		LockHandle writer = crashing.manager().acquire(key, writing, WAIT);
		writer.setValue(bytes("never written"));
		crashing.backend().cut();
		try (LockHandle reader = newManager().acquire(key, LockMode.PR, crashWait())) {
			assertThat(reader.value()).isEqualTo(new LockValue(first.bytes(), first.version(), false));
		}
		LockValue next = write(key, "after the crash");
		assertThat(next.valid()).isTrue();
		try (LockHandle reader = newManager().acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(next);
		}
	}

	@Test
	void aCrashedWriterOfAKeyNeverWrittenLeavesItInvalid() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockBackendConformanceKit.Client crashing = newClient();
		crashing.manager().acquire(key, LockMode.EX, WAIT);
		crashing.backend().cut();
		try (LockHandle reader = newManager().acquire(key, LockMode.PR, crashWait())) {
			assertThat(reader.value()).isEqualTo(new LockValue(new byte[0], 0, false));
		}
	}

	@Test
	void aCrashedReaderLeavesTheValueValid() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockValue written = write(key, "still good");
		LockBackendConformanceKit.Client crashing = newClient();
		crashing.manager().acquire(key, LockMode.PR, WAIT);
		crashing.backend().cut();
		try (LockHandle next = newManager().acquire(key, LockMode.EX, crashWait())) {
			assertThat(next.value()).isEqualTo(written);
		}
	}

	@Test
	void aValueWrittenInvalidIsStoredInvalid() throws Exception {
		// what the engine writes before it removes a PW or EX entry whose holder it lost
		String key = LockBackendConformanceKit.newKey();
		Random random = new Random();
		AcquireRequest request = new AcquireRequest(key, LockMode.EX, random.nextLong(), random.nextLong(), true);
		try (LockSession session = newClient().backend().openSession(leaseTime())) {
			QueueEntry entry = session.enqueue(request).get(10, TimeUnit.SECONDS).entry();
			assertThat(entry).isNotNull();
			assertThat(session.writeValue(entry, new LockValue(bytes("halfway"), 5, true)).get(10, TimeUnit.SECONDS))
				.isTrue();
			session.writeValue(entry, new LockValue(bytes("halfway"), 5, false)).get(10, TimeUnit.SECONDS);
			session.remove(request).get(10, TimeUnit.SECONDS);
		}
		try (LockHandle reader = newManager().acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(new LockValue(bytes("halfway"), 5, false));
		}
	}

	@Test
	void valuesOfDistinctKeysNeverMix() throws Exception {
		String base = LockBackendConformanceKit.newKey();
		List<String> keys = List.of(base, base + ":v", base + ":value", base + "\u0000", base + " ", base + "{x}",
				base + "/", base + "\u00e9\u6f22", base + "*", base + "?", "a".repeat(960) + base);
		Map<String, LockValue> written = new LinkedHashMap<>();
		LockManager writers = newManager();
		for (int i = 0; i < keys.size(); i++) {
			String key = keys.get(i);
			try (LockHandle writer = writers.acquire(key, LockMode.EX, WAIT)) {
				writer.setValue(bytes("value of key " + i));
				written.put(key, new LockValue(bytes("value of key " + i), writer.fencingToken(), true));
			}
		}
		LockManager readers = newManager();
		for (String key : keys) {
			try (LockHandle reader = readers.acquire(key, LockMode.PR, WAIT)) {
				assertThat(reader.value()).as("value of %s", key).isEqualTo(written.get(key));
			}
		}
	}

	/** Writes a value under {@code EX} and returns it as readers should see it. */
	private LockValue write(String key, String text) throws InterruptedException {
		try (LockHandle writer = newManager().acquire(key, LockMode.EX, WAIT)) {
			writer.setValue(bytes(text));
			return new LockValue(bytes(text), writer.fencingToken(), true);
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
