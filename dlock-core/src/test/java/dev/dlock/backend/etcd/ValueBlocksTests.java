package dev.dlock.backend.etcd;

import java.nio.charset.StandardCharsets;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.support.KeyCodec;
import io.etcd.jetcd.ByteSequence;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How values are stored, where marks and values live next to the entries, and which entry
 * states carry a writer mark.
 */
class ValueBlocksTests {

	private final EtcdLayout layout = new EtcdLayout("app/");

	@Test
	void aValueIsStoredAsItsVersionAndBytes() {
		byte[] bytes = new byte[LockValue.MAX_BYTES];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = (byte) i;
		}
		LockValue value = new LockValue(bytes, 1234567890123L, true);
		ByteSequence stored = ValueBlocks.encode(value);
		assertThat(stored.size()).isEqualTo(8 + LockValue.MAX_BYTES);
		assertThat(ValueBlocks.decode(stored, true)).isEqualTo(value);
		assertThat(ValueBlocks.decode(stored, false)).isEqualTo(new LockValue(bytes, 1234567890123L, false));
	}

	@Test
	void aStoredValueThisVersionCannotReadCountsAsLost() {
		LockValue lost = new LockValue(new byte[0], 0, false);
		assertThat(ValueBlocks.decode(ByteSequence.from(new byte[3]), true)).isEqualTo(lost);
		assertThat(ValueBlocks.decode(ByteSequence.from(new byte[8 + LockValue.MAX_BYTES + 1]), true))
			.isEqualTo(lost);
		assertThat(ValueBlocks.decode(ByteSequence.from(new byte[] { -1, 0, 0, 0, 0, 0, 0, 0 }), true))
			.isEqualTo(lost);
	}

	@Test
	void marksAndValuesLiveOutsideEveryQueueAndNameTheirEntry() {
		String lockKey = "orders/42 {x}";
		ByteSequence entry = this.layout.entryKey(lockKey, "session-0");
		ByteSequence mark = this.layout.writerMarkOf(entry);
		assertThat(text(mark)).isEqualTo("app/.writers/" + KeyCodec.encode(lockKey) + "/session-0");
		assertThat(mark.startsWith(this.layout.writerMarksOf(entry))).isTrue();
		assertThat(this.layout.entryOfWriterMark(mark)).isEqualTo(entry);
		assertThat(text(this.layout.valueOf(entry))).isEqualTo("app/.value/" + KeyCodec.encode(lockKey));
		ByteSequence queue = this.layout.resourcePrefix(lockKey);
		assertThat(mark.startsWith(queue)).isFalse();
		assertThat(this.layout.valueOf(entry).startsWith(queue)).isFalse();
		// a key whose encoding starts the same has its own marks
		ByteSequence longer = this.layout.entryKey(lockKey + "0", "session-0");
		assertThat(this.layout.writerMarkOf(longer).startsWith(this.layout.writerMarksOf(entry))).isFalse();
	}

	@Test
	void anEntryHasAMarkWhenItMayBeGrantedInAWritingMode() {
		assertThat(ValueBlocks.isWriting(EntryState.plain(LockMode.PW, "k"))).isTrue();
		assertThat(ValueBlocks.isWriting(EntryState.plain(LockMode.EX, "k").withFlag())).isTrue();
		assertThat(ValueBlocks.isWriting(EntryState.plain(LockMode.PR, "k"))).isFalse();
		assertThat(ValueBlocks.isWriting(EntryState.plain(LockMode.PR, "k").converting(LockMode.EX))).isTrue();
		assertThat(ValueBlocks.isWriting(EntryState.plain(LockMode.EX, "k").grantedIn(LockMode.CR))).isFalse();
		assertThat(ValueBlocks.isWriting(EntryState.plain(LockMode.NL, "k").converting(LockMode.CW))).isFalse();
	}

	private static String text(ByteSequence bytes) {
		return bytes.toString(StandardCharsets.UTF_8);
	}

}
