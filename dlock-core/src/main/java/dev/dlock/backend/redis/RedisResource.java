package dev.dlock.backend.redis;

import dev.dlock.support.KeyCodec;

/**
 * The Redis keys of one lock resource. They share the hash tag {@code {<encoded key>}}, so
 * that a script touches one cluster slot.
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
		String base = prefix + "{" + id + "}:";
		return new RedisResource(id, new String[] { base + "q", base + "x", base + "c" });
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
