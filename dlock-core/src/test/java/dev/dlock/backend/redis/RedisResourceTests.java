package dev.dlock.backend.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis keys of a lock: one cluster slot per lock, chosen by a digest of the key, and
 * distinct names for distinct keys even when their slot tags collide.
 */
class RedisResourceTests {

	@Test
	void everyKeyOfALockSharesOneSlotTagFollowedByTheEncodedKey() {
		RedisResource resource = RedisResource.of("dlock:", "order-1");
		assertThat(resource.keys()).allSatisfy((key) -> assertThat(key).matches("dlock:\\{[A-Za-z0-9_-]{4}\\}b3JkZXItMQ:[qxcwv]"));
		assertThat(Arrays.stream(resource.keys()).map(SlotHash::getSlot).distinct()).hasSize(1);
		assertThat(resource.id()).isEqualTo("b3JkZXItMQ");
	}

	@Test
	void theSlotTagIsTheSameForTheSameKeyWhateverThePrefix() {
		String tag = tag(RedisResource.of("dlock:", "order-1"), "dlock:");
		assertThat(tag(RedisResource.of("app:locks:", "order-1"), "app:locks:")).isEqualTo(tag);
		assertThat(tag(RedisResource.of("dlock:", "order-2"), "dlock:")).isNotEqualTo(tag);
	}

	@Test
	void theSlotTagIsTheStartOfTheSha256OfTheEncodedKeyOnEveryCall() throws Exception {
		for (String key : new String[] { "order-1", "order-1", "tenant/42", "order-1" }) {
			RedisResource resource = RedisResource.of("dlock:", key);
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(resource.id().getBytes(StandardCharsets.US_ASCII));
			String expected = "{" + Base64.getUrlEncoder().encodeToString(Arrays.copyOf(digest, 3)) + "}";
			assertThat(tag(resource, "dlock:")).isEqualTo(expected);
		}
	}

	private static String tag(RedisResource resource, String prefix) {
		String queue = resource.keys()[0];
		return queue.substring(prefix.length(), queue.indexOf('}') + 1);
	}

}
