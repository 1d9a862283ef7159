package dev.dlock.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 digest of an encoded key ({@link KeyCodec#encode}), for backends that spread
 * keys over places: Redis Cluster slots (a hash tag from its first bytes) and NATS buckets
 * (a shard number). Keys that differ in a few characters (such as {@code order-1} to
 * {@code order-10000}) get unrelated digests, so they spread evenly however similar they
 * are. Part of the storage layout: the same encoded key always gets the same digest.
 *
 * @since 0.1.0
 */
public final class KeyDigest {

	// never updated: only cloned
	private static final MessageDigest SHA_256 = newSha256();

	private KeyDigest() {
	}

	/**
	 * The SHA-256 digest of an encoded key's ASCII bytes.
	 * @param encodedKey a key encoded by {@link KeyCodec#encode}
	 * @return the 32 bytes of the digest
	 */
	public static byte[] of(String encodedKey) {
		return sha256().digest(encodedKey.getBytes(StandardCharsets.US_ASCII));
	}

	/**
	 * The shard of an encoded key among {@code shards}: the digest's first four bytes, as an
	 * unsigned number, modulo {@code shards}. The same for every process and version, so
	 * that all processes find a key in the same shard as long as they use the same count.
	 * @param encodedKey a key encoded by {@link KeyCodec#encode}
	 * @param shards the number of shards, at least 1
	 * @return the shard, from 0 to {@code shards - 1}
	 */
	public static int shard(String encodedKey, int shards) {
		if (shards < 1) {
			throw new IllegalArgumentException("'shards' must be at least 1");
		}
		if (shards == 1) {
			return 0;
		}
		byte[] digest = of(encodedKey);
		int prefix = ((digest[0] & 0xff) << 24) | ((digest[1] & 0xff) << 16) | ((digest[2] & 0xff) << 8)
				| (digest[3] & 0xff);
		return Integer.remainderUnsigned(prefix, shards);
	}

	/**
	 * A fresh SHA-256 digest, cloned from an unused prototype: a release computes its keys
	 * before its request is sent, and a provider look-up per call costs more there than the
	 * digest itself.
	 */
	private static MessageDigest sha256() {
		try {
			return (MessageDigest) SHA_256.clone();
		}
		catch (CloneNotSupportedException ex) {
			return newSha256();
		}
	}

	private static MessageDigest newSha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java platform has SHA-256", ex);
		}
	}

}
