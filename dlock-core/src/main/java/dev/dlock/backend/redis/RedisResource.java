package dev.dlock.backend.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

import dev.dlock.support.KeyCodec;

/**
 * The Redis keys of one lock resource: {@code <prefix>{<slot tag>}<encoded key>:<suffix>}.
 * They share the hash tag, so that a script touches one cluster slot. The tag is the first
 * 24 bits of the SHA-256 of the encoded key, in base64url: keys that differ only in a few
 * characters (such as {@code order-1} to {@code order-10000}) would otherwise hash to slots
 * in a pattern, which crowds some masters of a cluster and spares others.
 */
final class RedisResource {

	// never updated: only cloned
	private static final MessageDigest SHA_256 = newSha256();

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
		return new RedisResource(id, new String[] { base + "q", base + "x", base + "c" });
	}

	private static String slotTag(String id) {
		byte[] digest = sha256().digest(id.getBytes(StandardCharsets.US_ASCII));
		return Base64.getUrlEncoder().encodeToString(Arrays.copyOf(digest, 3));
	}

	/**
	 * A fresh SHA-256 digest, cloned from an unused prototype: a release computes its keys
	 * before its script is sent, and a provider look-up per call costs more there than the
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

	/**
	 * The encoded key: the name of the resource in change messages.
	 * @return the id
	 */
	String id() {
		return this.id;
	}

	/**
	 * The keys a script gets, in the order the scripts expect: tickets, lease expiries, then
	 * conversions. Shared; callers must not change the array.
	 * @return the keys
	 */
	String[] keys() {
		return this.keys;
	}

}
