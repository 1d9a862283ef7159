package dev.dlock.backend.nats;

import dev.dlock.support.KeyCodec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the copy of a bucket tells the lock key of an entry from the first token of its KV
 * key: only a token that is the encoding of a key names one, so that no other token (a
 * writer other than dlock, a non-canonical encoding of the same bytes) lands in a lock's
 * queue.
 */
class BucketMirrorLockKeyTests {

	@Test
	void theTokenOfAnEncodedKeyNamesThatKey() {
		for (String key : new String[] { "k", "orders/42", "ключ 🔒", "a.b c" }) {
			assertThat(BucketMirror.lockKeyOf(KeyCodec.encode(key))).isEqualTo(key);
		}
	}

	@Test
	void aTokenThatNoKeyEncodesToNamesNoLock() {
		// "aw" is the canonical encoding of "k"; "ax" decodes to the same byte with other trailing bits
		assertThat(KeyCodec.encode("k")).isEqualTo("aw");
		assertThat(BucketMirror.lockKeyOf("ax")).isNull();
		assertThat(BucketMirror.lockKeyOf("a")).as("not base64").isNull();
		assertThat(BucketMirror.lockKeyOf("a+b")).as("not base64url").isNull();
		// the bytes 0xff 0xfe are not UTF-8: they decode to replacement characters, which encode otherwise
		assertThat(BucketMirror.lockKeyOf("__4")).isNull();
	}

}
