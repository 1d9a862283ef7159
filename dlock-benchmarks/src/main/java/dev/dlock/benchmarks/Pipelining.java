package dev.dlock.benchmarks;

import java.util.UUID;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.LockLibrary.Held;
import dev.dlock.benchmarks.LockLibrary.LockClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

/**
 * Redis: 16 threads acquire and release distinct keys over one client, against one thread
 * on the same client. One-thread and 16-thread rounds alternate. A client that pipelines
 * its requests over one connection should scale far beyond the one-thread figure.
 */
final class Pipelining {

	static final String SECTION = "16 threads";

	static final int THREADS = 16;

	private Pipelining() {
	}

	/** The same with the raw lock and unlock scripts on one Lettuce connection: the floor. */
	static void floor(Settings settings, Results results, Servers servers) throws Exception {
		try (StatefulRedisConnection<String, String> connection = servers.redisClient().connect()) {
			RedisCommands<String, String> redis = connection.sync();
			String lock = redis.scriptLoad(Floors.LOCK_SCRIPT);
			String unlock = redis.scriptLoad(Floors.UNLOCK_SCRIPT);
			String prefix = "bench:p:" + UUID.randomUUID() + ":";
			String owner = UUID.randomUUID().toString();
			measure(settings, results, Figure.FLOOR, Floors.EVALSHA_PAIR, null, (thread) -> {
				String[] keys = { prefix + thread };
				redis.evalsha(lock, ScriptOutputType.INTEGER, keys, owner, "30000");
				redis.evalsha(unlock, ScriptOutputType.INTEGER, keys, owner);
			});
		}
	}

	static void run(Settings settings, Results results, LockLibrary library) throws Exception {
		String prefix = "bench-p-" + UUID.randomUUID() + "-";
		try (LockClient client = library.connect()) {
			measure(settings, results, SECTION, library.name(), Floors.EVALSHA_PAIR, (thread) -> {
				Held held = client.lock(prefix + thread);
				held.unlock();
			});
		}
	}

	private static void measure(Settings settings, Results results, String section, String library,
			@Nullable String floor, Parallel.IndexedStep step) throws Exception {
		double[] one = new double[settings.rounds()];
		double[] many = new double[settings.rounds()];
		double[] scaling = new double[settings.rounds()];
		try (Parallel single = new Parallel(1, "one"); Parallel threads = new Parallel(THREADS, "sixteen")) {
			single.run(settings.warmUp(), step);
			threads.run(settings.warmUp(), step);
			for (int i = 0; i < settings.rounds(); i++) {
				one[i] = single.run(settings.round(), step).rate();
				many[i] = threads.run(settings.round(), step).rate();
				scaling[i] = many[i] / one[i];
			}
		}
		results.add(new Figure(section, "redis", library, "1 thread ops/s", "ops/s", Better.HIGHER, one, floor,
				"1 thread ops/s"));
		results.add(new Figure(section, "redis", library, "16 threads ops/s", "ops/s", Better.HIGHER, many, floor,
				"16 threads ops/s"));
		results.add(new Figure(section, "redis", library, "16 threads ÷ 1 thread", "x", Better.HIGHER, scaling,
				floor, "16 threads ÷ 1 thread"));
	}

}
