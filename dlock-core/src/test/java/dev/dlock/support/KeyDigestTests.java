package dev.dlock.support;

import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The key-to-shard mapping is part of the storage layout: it must not change between calls,
 * processes or versions, and it must use every shard evenly for keys that look alike.
 */
class KeyDigestTests {

	@Test
	void aKeysShardIsFixedByTheSha256OfItsEncodedKey() {
		// computed independently (Python's hashlib): first four digest bytes, unsigned, mod n;
		// a change here moves keys between NATS buckets of running deployments
		assertThat(KeyDigest.shard(KeyCodec.encode("order-1"), 4)).isEqualTo(3);
		assertThat(KeyDigest.shard(KeyCodec.encode("order-2"), 4)).isEqualTo(1);
		assertThat(KeyDigest.shard(KeyCodec.encode("tenant/42"), 4)).isEqualTo(2);
		assertThat(KeyDigest.shard(KeyCodec.encode("order-1"), 7)).isEqualTo(6);
		assertThat(KeyDigest.shard(KeyCodec.encode("tenant/42"), 7)).isEqualTo(1);
	}

	@Test
	void theSameKeyGetsTheSameShardOnEveryCall() {
		String key = KeyCodec.encode("order-1");
		assertThat(IntStream.range(0, 100).map((i) -> KeyDigest.shard(key, 6)).distinct()).containsExactly(
				KeyDigest.shard(key, 6));
	}

	@Test
	void keysThatLookAlikeSpreadEvenlyOverEveryShard() {
		int shards = 6;
		Map<Integer, Integer> counts = new HashMap<>();
		for (int i = 0; i < 6_000; i++) {
			counts.merge(KeyDigest.shard(KeyCodec.encode("order-" + i), shards), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys(0, 1, 2, 3, 4, 5);
		// 1,000 expected per shard; a binomial standard deviation is about 29
		assertThat(counts.values()).allSatisfy((count) -> assertThat(count).isBetween(850, 1_150));
	}

	@Test
	void oneShardTakesEveryKey() {
		assertThat(KeyDigest.shard(KeyCodec.encode("order-1"), 1)).isZero();
	}

	@Test
	void theShardCountMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> KeyDigest.shard("eA", 0))
			.withMessage("'shards' must be at least 1");
	}

	@Test
	void theDigestIsTheSha256OfTheEncodedKey() {
		// the first three bytes, in base64url, are the Redis slot tag of "order-1"
		assertThat(Base64.getUrlEncoder().encodeToString(Arrays.copyOf(KeyDigest.of(KeyCodec.encode("order-1")), 3)))
			.isEqualTo("iN8y");
		assertThat(KeyDigest.of("eA")).hasSize(32);
	}

}
