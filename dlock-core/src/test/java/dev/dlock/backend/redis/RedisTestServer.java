package dev.dlock.backend.redis;

import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisKeyCommands;

/**
 * Where the tests find Redis, and what they look for in it.
 */
final class RedisTestServer {

	private RedisTestServer() {
	}

	static RedisURI uri() {
		return RedisURI.create("redis://127.0.0.1:6379");
	}

	/** Every key under a prefix, by a full SCAN (never KEYS on a shared server). */
	static List<String> keys(RedisKeyCommands<String, String> commands, String prefix) {
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

}
