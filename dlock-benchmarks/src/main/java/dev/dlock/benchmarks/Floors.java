package dev.dlock.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.benchmarks.Figure.Better;
import dev.dlock.benchmarks.Measure.Round;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;

/**
 * The raw round trips of each server from the same JVM and client library that dlock uses:
 * the floor every lock on that server is compared with.
 */
final class Floors {

	/** Redis: one script call that sets a key if absent with an expiry, like a lock. */
	static final String EVALSHA = "EVALSHA";

	/** Redis: that script and a compare-and-delete script, one after the other. */
	static final String EVALSHA_PAIR = "EVALSHA lock+unlock";

	static final String PING = "PING";

	/** etcd: a put. */
	static final String PUT = "put";

	/** etcd: a create-if-absent transaction. */
	static final String TXN = "txn";

	/** etcd: that transaction and a delete. */
	static final String TXN_PAIR = "txn+delete";

	/** NATS: a KV update with the expected revision. */
	static final String KV_CAS = "KV CAS";

	/** NATS: a KV create (a compare-and-set on revision 0) of a new key. */
	static final String KV_CREATE = "KV create";

	/** NATS: that create and a delete. */
	static final String KV_PAIR = "KV create+delete";

	static final String NATS_RTT = "PING (RTT)";

	/**
	 * Suffix of a round trip sent after the hand-off's idle pause. A hand-off starts after
	 * its threads and the server sat idle for 5–105 ms, and on a virtual machine a round trip
	 * after such a pause costs several times one sent back to back (waking idle CPUs and
	 * threads), so this is the like-for-like floor of a hand-off.
	 */
	static final String AFTER_PAUSE = " after a pause";

	/**
	 * A write after the hand-off's idle pause, pushed by the server to a second client that
	 * wakes a parked thread: the floor of any hand-off with pushed wake-ups (see
	 * {@link WakeUpFloor}).
	 */
	static final String WAKE_UP = "pushed wake-up after a pause";

	/** Redis: what a release does, a delete and a publish, in one script. */
	static final String RELEASE_SCRIPT = "redis.call('del', KEYS[1]) return redis.call('publish', ARGV[1], ARGV[2])";

	static final String LOCK_SCRIPT = "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0";

	static final String UNLOCK_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

	private final Settings settings;

	private final Results results;

	private final Servers servers;

	Floors(Settings settings, Results results, Servers servers) {
		this.settings = settings;
		this.results = results;
		this.servers = servers;
	}

	/** The single operation each dlock acquire is compared with, by server. */
	static String singleOp(String server) {
		return names(server)[0];
	}

	/** The pair of operations each dlock acquire+release is compared with, by server. */
	static String pair(String server) {
		return names(server)[1];
	}

	/** The round trip each hand-off is compared with, by server (as the targets name them). */
	static String roundTrip(String server) {
		return names(server)[2];
	}

	/** That round trip after the hand-off's idle pause. */
	static String roundTripAfterPause(String server) {
		return roundTrip(server) + AFTER_PAUSE;
	}

	private static String[] names(String server) {
		return switch (server) {
			case "redis" -> new String[] { EVALSHA, EVALSHA_PAIR, PING };
			case "etcd" -> new String[] { TXN, TXN_PAIR, PUT };
			case "nats" -> new String[] { KV_CREATE, KV_PAIR, KV_CAS };
			default -> new String[] { "", "", "" };
		};
	}

	void redis() throws Exception {
		try (StatefulRedisConnection<String, String> connection = this.servers.redisClient().connect()) {
			RedisCommands<String, String> redis = connection.sync();
			List<Round> ping = Measure.rounds(this.settings, this.settings.round(), (part) -> redis.ping());
			addLatency("redis", PING, ping);
			addAfterPause("redis", (part) -> redis.ping());
			String lock = redis.scriptLoad(LOCK_SCRIPT);
			String unlock = redis.scriptLoad(UNLOCK_SCRIPT);
			String[] keys = { "bench:floor:" + UUID.randomUUID() };
			String owner = UUID.randomUUID().toString();
			List<Round> pair = Measure.rounds(this.settings, this.settings.round(), (part) -> {
				long start = System.nanoTime();
				Long locked = redis.evalsha(lock, ScriptOutputType.INTEGER, keys, owner, "30000");
				part.add(System.nanoTime() - start);
				Long unlocked = redis.evalsha(unlock, ScriptOutputType.INTEGER, keys, owner);
				check(locked == 1 && unlocked == 1, "the raw Redis lock scripts");
			});
			addPair("redis", EVALSHA, EVALSHA_PAIR, pair);
		}
		wakeUp("redis");
	}

	void etcd() throws Exception {
		try (Client client = Client.builder().endpoints(this.servers.etcdEndpoint()).build()) {
			KV kv = client.getKVClient();
			ByteSequence value = bytes(UUID.randomUUID().toString());
			ByteSequence putKey = bytes("bench/floor/" + UUID.randomUUID());
			List<Round> put = Measure.rounds(this.settings, this.settings.round(),
					(part) -> kv.put(putKey, value).get());
			addLatency("etcd", PUT, put);
			addAfterPause("etcd", (part) -> kv.put(putKey, value).get());
			ByteSequence key = bytes("bench/floor/" + UUID.randomUUID());
			List<Round> pair = Measure.rounds(this.settings, this.settings.round(), (part) -> {
				long start = System.nanoTime();
				boolean created = kv.txn()
					.If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
					.Then(Op.put(key, value, PutOption.DEFAULT))
					.Else(Op.get(key, GetOption.DEFAULT))
					.commit()
					.get()
					.isSucceeded();
				part.add(System.nanoTime() - start);
				long deleted = kv.delete(key, DeleteOption.DEFAULT).get().getDeleted();
				check(created && deleted == 1, "the raw etcd transaction");
			});
			addPair("etcd", TXN, TXN_PAIR, pair);
		}
		wakeUp("etcd");
	}

	void nats() throws Exception {
		try (Connection connection = Nats.connect(this.servers.natsUrl())) {
			List<Round> rtt = Measure.rounds(this.settings, this.settings.round(), (part) -> connection.RTT());
			addLatency("nats", NATS_RTT, rtt);
			String bucket = "bench-floor-" + UUID.randomUUID().toString().substring(0, 8);
			KeyValueManagement management = connection.keyValueManagement();
			management.create(KeyValueConfiguration.builder()
				.name(bucket)
				.maxHistoryPerKey(1)
				.ttl(Duration.ofSeconds(30))
				.storageType(StorageType.File)
				.build());
			try {
				KeyValue kv = connection.keyValue(bucket);
				byte[] value = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
				AtomicLong revision = new AtomicLong(kv.create("cas", value));
				List<Round> cas = Measure.rounds(this.settings, this.settings.round(),
						(part) -> revision.set(kv.update("cas", value, revision.get())));
				addLatency("nats", KV_CAS, cas);
				addAfterPause("nats", (part) -> revision.set(kv.update("cas", value, revision.get())));
				AtomicLong sequence = new AtomicLong();
				List<Round> pair = Measure.rounds(this.settings, this.settings.round(), (part) -> {
					// a new key each time, as dlock creates one entry per request
					String key = "k" + sequence.incrementAndGet();
					long start = System.nanoTime();
					kv.create(key, value);
					part.add(System.nanoTime() - start);
					kv.delete(key);
				});
				addPair("nats", KV_CREATE, KV_PAIR, pair);
			}
			finally {
				management.delete(bucket);
			}
		}
		wakeUp("nats");
	}

	/** The pushed wake-up of a server, after the hand-off's pauses (see {@link WakeUpFloor}). */
	void wakeUp(String server) throws Exception {
		WakeUpFloor floor = new WakeUpFloor();
		try (PushedWrites.Writer writer = PushedWrites.open(server, this.servers, floor::told)) {
			addWakeUp(server, floor.measure(this.settings, writer));
		}
	}

	private void addWakeUp(String server, double[][] p50AndP99) {
		this.results.add(Figure.FLOOR, server, WAKE_UP, "p50", "ms", Better.LOWER, p50AndP99[0]);
		this.results.add(Figure.FLOOR, server, WAKE_UP, "p99", "ms", Better.LOWER, p50AndP99[1]);
	}

	private void addLatency(String server, String operation, List<Round> rounds) {
		this.results.add(Figure.FLOOR, server, operation, "ops/s", "ops/s", Better.HIGHER, Measure.opsPerSecond(rounds));
		this.results.add(Figure.FLOOR, server, operation, "p50", "ms", Better.LOWER, Measure.percentile(rounds, 50));
		this.results.add(Figure.FLOOR, server, operation, "p99", "ms", Better.LOWER, Measure.percentile(rounds, 99));
	}

	/**
	 * Measures the hand-off's round trip after the hand-off's idle pause, as many times as
	 * there are hand-offs.
	 */
	private void addAfterPause(String server, Measure.Step roundTrip) throws Exception {
		Random random = new Random(42);
		double[] p50 = new double[this.settings.rounds()];
		double[] p99 = new double[this.settings.rounds()];
		for (int round = 0; round < this.settings.rounds(); round++) {
			Samples samples = new Samples(this.settings.handOffs());
			for (int i = 0; i < this.settings.handOffs(); i++) {
				Measure.pause(HandOff.idlePause(random));
				long start = System.nanoTime();
				roundTrip.run(samples);
				samples.add(System.nanoTime() - start);
			}
			p50[round] = samples.percentileMillis(50);
			p99[round] = samples.percentileMillis(99);
		}
		String operation = roundTripAfterPause(server);
		this.results.add(Figure.FLOOR, server, operation, "p50", "ms", Better.LOWER, p50);
		this.results.add(Figure.FLOOR, server, operation, "p99", "ms", Better.LOWER, p99);
	}

	private void addPair(String server, String single, String pair, List<Round> rounds) {
		this.results.add(Figure.FLOOR, server, single, "p50", "ms", Better.LOWER, Measure.partPercentile(rounds, 50));
		this.results.add(Figure.FLOOR, server, single, "p99", "ms", Better.LOWER, Measure.partPercentile(rounds, 99));
		addLatency(server, pair, rounds);
	}

	static ByteSequence bytes(String text) {
		return ByteSequence.from(text, StandardCharsets.UTF_8);
	}

	static void check(boolean condition, String what) {
		if (!condition) {
			throw new IllegalStateException(what + " did not do what was expected");
		}
	}

}
