package dev.dlock.backend.redis;

import java.time.Duration;

import io.lettuce.core.cluster.SlotHash;

/**
 * Where one backend's locks live on Redis: the keys of each lock under the prefix, the
 * change channel, the cluster slot of a lock's keys, and the scripts that run on them. The
 * backend makes it and hands it to its sessions, which need nothing else of the backend.
 */
final class RedisKeyspace {

	private final String keyPrefix;

	private final String channel;

	private final ScriptExecutor scripts;

	private final boolean cluster;

	private final String valueRetentionMillis;

	/**
	 * @param keyPrefix the prefix of every key and of the channel, without braces
	 * @param scripts runs the scripts on the backend's connection
	 * @param cluster whether the connection is to a Redis Cluster, where one script must
	 * stay in one slot
	 * @param valueRetention how long a value block is kept after its last write or
	 * invalid-marking
	 */
	RedisKeyspace(String keyPrefix, ScriptExecutor scripts, boolean cluster, Duration valueRetention) {
		this.keyPrefix = keyPrefix;
		this.channel = keyPrefix + "changes";
		this.scripts = scripts;
		this.cluster = cluster;
		this.valueRetentionMillis = Long.toString(Math.max(1, valueRetention.toMillis()));
	}

	String keyPrefix() {
		return this.keyPrefix;
	}

	/** The keys of a user key. */
	RedisResource resource(String key) {
		return RedisResource.of(this.keyPrefix, key);
	}

	/** The channel the scripts publish changes on. */
	String channel() {
		return this.channel;
	}

	boolean isCluster() {
		return this.cluster;
	}

	/**
	 * The cluster slot of a resource's keys; {@code 0} for every resource on a server that
	 * is not a cluster, so that any resources may share a script call there.
	 */
	int slot(RedisResource resource) {
		return this.cluster ? SlotHash.getSlot(resource.keys()[0]) : 0;
	}

	/** The value retention in milliseconds, as the scripts take it. */
	String valueRetentionMillis() {
		return this.valueRetentionMillis;
	}

	ScriptExecutor scripts() {
		return this.scripts;
	}

}
