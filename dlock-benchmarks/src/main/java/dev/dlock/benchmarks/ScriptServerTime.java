package dev.dlock.benchmarks;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * How long Redis itself works on each of dlock's scripts, against the one-command scripts
 * that the benchmark's floors send, each call after the hand-off's idle pause
 * ({@link HandOff#idlePause}) or back to back. The server's own counter of script time
 * ({@code INFO commandstats}, {@code usec} of {@code EVALSHA}) is read before and after each
 * call, on a private {@code redis-server} that nothing else uses; a sample counts only when
 * exactly the one call ran in between (a renewal round that falls into it is dropped).
 * <p>
 * It shows what a ratio against such a floor is made of on Redis: after an idle pause every
 * command inside a script costs several times what it costs back to back, so a script of
 * a dozen commands (a request that has to wait) falls behind a script of one or two by far
 * more than their back-to-back times suggest. Not part of the full run, like
 * {@link HeapPerLock}: {@code java -cp <exploded benchmark jar>
 * dev.dlock.benchmarks.ScriptServerTime [samples]}.
 */
public final class ScriptServerTime {

	private static final Pattern EVALSHA = Pattern.compile("cmdstat_evalsha:calls=(\\d+),usec=(\\d+)");

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** Long enough for a script sent in the background (a release, a withdrawal) to have run. */
	private static final Duration SETTLE = Duration.ofMillis(20);

	private static final String SET_SCRIPT = "return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])";

	private final RedisCommands<String, String> admin;

	private final PrintStream out;

	private final String[] floorKeys = { "bench:script-time:" + UUID.randomUUID() };

	private final String releaseScript;

	private final String setScript;

	private ScriptServerTime(RedisCommands<String, String> admin, PrintStream out) {
		this.admin = admin;
		this.out = out;
		this.releaseScript = admin.scriptLoad(Floors.RELEASE_SCRIPT);
		this.setScript = admin.scriptLoad(SET_SCRIPT);
	}

	/**
	 * Prints the server time of each kind of script call, back to back and after pauses.
	 * @param args optionally the number of calls of each kind (200)
	 * @throws Exception if the server or a lock fails
	 */
	public static void main(String[] args) throws Exception {
		System.setProperty("logback.configurationFile", "benchmarks-logback.xml");
		run((args.length > 0) ? Integer.parseInt(args[0]) : 200, System.out);
	}

	/**
	 * Measures each kind of script call {@code samples} times in both ways, on a server of
	 * its own, and prints a row per kind and way.
	 */
	static void run(int samples, PrintStream out) throws Exception {
		try (RedisServer redis = RedisServer.start()) {
			RedisClient client = RedisClient.create(redis.uri());
			try (StatefulRedisConnection<String, String> connection = client.connect();
					LockManager holding = manager(client);
					LockManager asking = manager(client)) {
				ScriptServerTime time = new ScriptServerTime(connection.sync(), out);
				out.printf(Locale.ROOT, "%nBack to back (server µs per script call over %d calls of each kind):%n",
						samples);
				time.backToBack(samples, holding, asking);
				out.printf(Locale.ROOT,
						"%nEach call after the hand-off's idle pause of 5-105 ms (server µs per call, p50 / p90 of %d):%n",
						samples);
				time.paused(samples, holding, asking);
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			}
		}
	}

	private static LockManager manager(RedisClient client) {
		return LockManagerBuilder.forBackend(RedisLockBackend.builder(client).build()).leaseTime(WAIT).build();
	}

	/**
	 * Each kind of call {@code count} times in a row, on distinct keys where a call would
	 * otherwise undo the one before: the server time of all of them over their number.
	 */
	private void backToBack(int count, LockManager holding, LockManager asking) throws Exception {
		String prefix = "bench-script-time-" + UUID.randomUUID() + "-";
		double releaseFloor = perCall(count, this::releaseFloor);
		printAverage("floor: delete-and-publish script (the pushed wake-up)", releaseFloor, releaseFloor);
		printAverage("floor: SET PX script (the conversion's floor)", perCall(count, this::setFloor), releaseFloor);
		List<LockHandle> acquired = new ArrayList<>();
		int[] next = { 0 };
		printAverage("dlock acquire, granted (EX on a free key)",
				perCall(count, () -> acquired.add(asking.acquire(prefix + next[0]++, LockMode.EX, WAIT))), releaseFloor);
		printAverage("dlock release", perCall(count, () -> acquired.remove(acquired.size() - 1).release()),
				releaseFloor);
		List<LockHandle> held = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			held.add(holding.acquire(prefix + "held-" + i, LockMode.PR, WAIT));
		}
		List<CompletableFuture<LockHandle>> waiting = new ArrayList<>();
		printAverage("dlock acquire that has to wait (EX behind a PR holder)", perCall(count, () -> waiting
			.add(asking.acquireAsync(prefix + "held-" + waiting.size(), LockMode.EX, LockOptions.waitTime(WAIT)))),
				releaseFloor);
		waiting.forEach((request) -> request.cancel(true));
		Measure.pause(Duration.ofSeconds(1)); // the withdrawals are sent in the background
		LockHandle converting = held.get(0);
		boolean[] up = { true };
		printAverage("dlock conversion of a lone holder (PR→EX, EX→PR)", perCall(count, () -> {
			converting.convert(up[0] ? LockMode.EX : LockMode.PR, WAIT);
			up[0] = !up[0];
		}), releaseFloor);
		for (LockHandle handle : held) {
			handle.release();
		}
		Measure.pause(SETTLE);
	}

	/**
	 * Runs an operation that sends one script {@code count} times, and returns the server
	 * time per script call (a renewal round meanwhile counts, a negligible error).
	 */
	private double perCall(int count, Operation operation) throws Exception {
		Measure.pause(SETTLE);
		long[] before = counters();
		for (int i = 0; i < count; i++) {
			operation.run();
		}
		Measure.pause(SETTLE);
		long[] after = counters();
		return (double) (after[1] - before[1]) / (after[0] - before[0]);
	}

	private void paused(int samples, LockManager holding, LockManager asking) throws Exception {
		Random random = new Random(42);
		long[] releaseFloor = new long[samples];
		long[] setFloor = new long[samples];
		long[] acquire = new long[samples];
		long[] releasing = new long[samples];
		long[] waits = new long[samples];
		long[] converts = new long[2 * samples];
		String heldKey = "bench-script-time-held-" + UUID.randomUUID();
		String freeKey = "bench-script-time-free-" + UUID.randomUUID();
		LockHandle holder = holding.acquire(heldKey, LockMode.PR, WAIT);
		try (LockHandle converting = holding.acquire("bench-script-time-c-" + UUID.randomUUID(), LockMode.PR, WAIT)) {
			for (int i = 0; i < samples; i++) {
				releaseFloor[i] = once(random, this::releaseFloor);
				setFloor[i] = once(random, this::setFloor);
				LockHandle[] acquired = new LockHandle[1];
				acquire[i] = once(random, () -> acquired[0] = asking.acquire(freeKey, LockMode.EX, WAIT));
				releasing[i] = once(random, acquired[0]::release);
				CompletableFuture<?>[] waiting = new CompletableFuture<?>[1];
				waits[i] = once(random, () -> waiting[0] = asking.acquireAsync(heldKey, LockMode.EX,
						LockOptions.waitTime(WAIT)));
				waiting[0].cancel(true);
				Measure.pause(SETTLE);
				converts[2 * i] = once(random, () -> converting.convert(LockMode.EX, WAIT));
				converts[2 * i + 1] = once(random, () -> converting.convert(LockMode.PR, WAIT));
			}
		}
		finally {
			holder.release();
		}
		double floor = Stats.percentile(kept(releaseFloor), 50);
		print("floor: delete-and-publish script (the pushed wake-up)", releaseFloor, floor);
		print("floor: SET PX script (the conversion's floor)", setFloor, floor);
		print("dlock acquire, granted (EX on a free key)", acquire, floor);
		print("dlock release", releasing, floor);
		print("dlock acquire that has to wait (EX behind a PR holder)", waits, floor);
		print("dlock conversion of a lone holder (PR→EX, EX→PR)", converts, floor);
	}

	/**
	 * Runs one operation after an idle pause and returns the server time of the one
	 * script it sent, or -1 when some other number of scripts ran meanwhile. The counters are
	 * read before the pause, so that nothing reaches the server between the pause and the
	 * script, and again once the script surely ran.
	 */
	private long once(Random random, Operation operation) throws Exception {
		Duration pause = HandOff.idlePause(random);
		long[] before = counters();
		Measure.pause(pause);
		operation.run();
		Measure.pause(SETTLE);
		long[] after = counters();
		return (after[0] - before[0] == 1) ? after[1] - before[1] : -1;
	}

	/** {@code EVALSHA} calls and microseconds so far. */
	private long[] counters() {
		Matcher matcher = EVALSHA.matcher(this.admin.info("commandstats"));
		return matcher.find() ? new long[] { Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)) }
				: new long[] { 0, 0 };
	}

	/** The floor of the pushed wake-up: one delete-and-publish script. */
	private void releaseFloor() {
		this.admin.evalsha(this.releaseScript, ScriptOutputType.INTEGER, this.floorKeys, "bench:script-time",
				"released");
	}

	/** The floor of a conversion: one script that sets a key with an expiry. */
	private void setFloor() {
		this.admin.evalsha(this.setScript, ScriptOutputType.STATUS, this.floorKeys, "value", "30000");
	}

	private void print(String what, long[] samples, double floor) {
		long[] kept = kept(samples);
		double p50 = Stats.percentile(kept, 50);
		this.out.printf(Locale.ROOT, "  %-62s %5.0f / %5.0f µs  (%.1fx the delete-and-publish floor; %d samples)%n",
				what, p50, Stats.percentile(kept, 90), p50 / floor, kept.length);
	}

	private void printAverage(String what, double perCall, double floor) {
		this.out.printf(Locale.ROOT, "  %-62s %5.1f µs  (%.1fx the delete-and-publish floor)%n", what, perCall,
				perCall / floor);
	}

	/** The samples in which the one call counted, sorted. */
	private static long[] kept(long[] samples) {
		return Arrays.stream(samples).filter((sample) -> sample >= 0).sorted().toArray();
	}

	@FunctionalInterface
	private interface Operation {

		void run() throws Exception;

	}

}
