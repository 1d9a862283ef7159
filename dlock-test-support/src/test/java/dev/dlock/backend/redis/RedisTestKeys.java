package dev.dlock.backend.redis;

import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisKeyCommands;

/**
 * What the tests look for in Redis.
 */
final class RedisTestKeys {

	private RedisTestKeys() {
	}

	/** Every key under a prefix, by a full SCAN (never KEYS on a shared server). */
	static List<String> scan(RedisKeyCommands<String, String> commands, String prefix) {
		List<String> keys = new ArrayList<>();
		ScanArgs args = ScanArgs.Builder.matches(prefix + "*").limit(1000);
		KeyScanCursor<String> cursor = commands.scan(args);
		keys.addAll(cursor.getKeys());
		while (!cursor.isFinished()) {
			cursor = commands.scan(ScanCursor.of(cursor.getCursor()), args);
			keys.addAll(cursor.getKeys());
		}
		return keys;
	}

	/** Whether a key is a lock's value block. */
	static boolean isValueKey(String key) {
		return key.endsWith(":v");
	}

	/** The value key of a lock. */
	static String value(String prefix, String key) {
		return RedisResource.of(prefix, key).keys()[4];
	}

	/** The queue key of a lock. */
	static String queue(String prefix, String key) {
		return RedisResource.of(prefix, key).keys()[0];
	}

	/** The expiry key of a lock. */
	static String expiries(String prefix, String key) {
		return RedisResource.of(prefix, key).keys()[1];
	}

}
