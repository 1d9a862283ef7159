package dev.dlock.backend.redis;

import java.util.Arrays;
import java.util.Base64;

import dev.dlock.support.KeyCodec;
import dev.dlock.support.KeyDigest;

/**
 * The Redis keys of one lock resource: {@code <prefix>{<slot tag>}<encoded key>:<suffix>}.
 * They share the hash tag, so that a script touches one cluster slot. The tag is the first
 * 24 bits of the encoded key's {@link KeyDigest} (SHA-256), in base64url: keys that differ
 * only in a few characters (such as {@code order-1} to {@code order-10000}) would otherwise
 * hash to slots in a pattern, which crowds some masters of a cluster and spares others.
 */
final class RedisResource {

	private final String id;

	private final String[] keys;

	private RedisResource(String id, String[] keys) {
		this.id = id;
		this.keys = keys;
	}

	/**
	 * The keys of a user key.
	 * @param prefix the key prefix, without braces
	 * @param key the user key
	 * @return the resource
	 */
	static RedisResource of(String prefix, String key) {
		String id = KeyCodec.encode(key);
		String base = prefix + "{" + slotTag(id) + "}" + id + ":";
		return new RedisResource(id, new String[] { base + "q", base + "x", base + "c", base + "w", base + "v" });
	}

	private static String slotTag(String id) {
		return Base64.getUrlEncoder().encodeToString(Arrays.copyOf(KeyDigest.of(id), 3));
	}

	/**
	 * The encoded key: the name of the resource in change messages.
	 * @return the id
	 */
	String id() {
		return this.id;
	}

	/**
	 * The keys a script gets, in the order the scripts expect: tickets, lease expiries,
	 * conversions, the holders that watch the queue, then the value block. Shared; callers
	 * must not change the array.
	 * @return the keys
	 */
	String[] keys() {
		return this.keys;
	}

}
