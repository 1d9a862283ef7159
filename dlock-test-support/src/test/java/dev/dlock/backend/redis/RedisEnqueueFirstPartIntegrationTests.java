package dev.dlock.backend.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.dlock.LockMode;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The enqueue script's first part ({@code enqueue-short.lua}) against the general path it
 * shortens: on random queues of up to eight entries (some with an expired lease, some with
 * conversion records, watched or not, with a writer mark of a live or a lost writer or none)
 * and random requests (new or the same again, waiting or trying), the whole script and the
 * general path alone give the same answer, leave the same keys and publish the same
 * notices. Each state is written twice, to two locks, and each script runs on one of them.
 */
class RedisEnqueueFirstPartIntegrationTests {

	private static final int CASES = 400;

	private static final long LEASE_MICROS = Duration.ofSeconds(30).toNanos() / 1000;

	private static final String RETENTION_MILLIS = "600000";

	private static RedisClient client;

	private static StatefulRedisConnection<String, String> connection;

	private static StatefulRedisConnection<String, String> subscriber;

	private static final Map<String, List<String>> published = new ConcurrentHashMap<>();

	private final String prefix = "dlock-test-" + UUID.randomUUID() + ":";

	@BeforeAll
	static void connect() {
		client = RedisClient.create(RedisServer.shared().uri());
		connection = client.connect();
		StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
		pubSub.addListener(new RedisPubSubAdapter<>() {
			@Override
			public void message(String channel, String message) {
				published.computeIfAbsent(channel, (key) -> new CopyOnWriteArrayList<>()).add(message);
			}
		});
		pubSub.sync().subscribe("first-part-whole", "first-part-general");
		subscriber = pubSub;
	}

	@AfterAll
	static void disconnect() {
		subscriber.close();
		connection.close();
		client.shutdown();
	}

	@Test
	void theWholeScriptDecidesAndWritesAsTheGeneralPathAloneOnRandomQueues() throws IOException {
		String general = resource("common.lua") + resource("enqueue.lua");
		assertThat(LuaScript.ENQUEUE.source()).startsWith(resource("enqueue-short.lua")).endsWith(general);
		long seed = System.nanoTime();
		Random random = new Random(seed);
		RedisCommands<String, String> redis = connection.sync();
		for (int i = 0; i < CASES; i++) {
			Case state = Case.random(random, serverMicros());
			String description = "seed " + seed + ", case " + i + ": " + state;
			RedisResource whole = RedisResource.of(this.prefix, "case-" + i + "-whole");
			RedisResource alone = RedisResource.of(this.prefix, "case-" + i + "-general");
			state.write(redis, whole.keys());
			state.write(redis, alone.keys());
			int wholeSent = published("first-part-whole").size();
			int aloneSent = published("first-part-general").size();
			List<Object> wholeReply = redis.eval(LuaScript.ENQUEUE.source(), ScriptOutputType.MULTI, whole.keys(),
					state.args("first-part-whole", whole.id()));
			List<Object> aloneReply = redis.eval(general, ScriptOutputType.MULTI, alone.keys(),
					state.args("first-part-general", alone.id()));
			assertSameReply(wholeReply, aloneReply, description);
			assertSameKeys(whole.keys(), alone.keys(), description);
			// a channel's messages arrive in order: once the marker is in, so is every notice of the case
			String marker = "end of case " + i;
			redis.publish("first-part-whole", marker);
			redis.publish("first-part-general", marker);
			await().pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(2))
				.atMost(Duration.ofSeconds(5))
				.until(() -> published("first-part-whole").contains(marker)
						&& published("first-part-general").contains(marker));
			List<String> wholeNotices = kinds(published("first-part-whole"), wholeSent, marker, whole.id());
			List<String> aloneNotices = kinds(published("first-part-general"), aloneSent, marker, alone.id());
			assertThat(wholeNotices).as(description).isEqualTo(aloneNotices);
			redis.del(whole.keys());
			redis.del(alone.keys());
		}
	}

	private static void assertSameReply(List<Object> whole, List<Object> alone, String description) {
		assertThat(whole).as(description).hasSameSizeAs(alone);
		assertThat(whole.get(0)).as(description).isEqualTo(alone.get(0));
		if (whole.size() == 4) {
			// waiting: the same blocker, whose lease left is read at slightly different times
			assertThat(whole.get(2)).as(description).isEqualTo(alone.get(2));
			assertThat((Long) whole.get(3)).as(description).isCloseTo((Long) alone.get(3), within(50L));
		}
	}

	private static void assertSameKeys(String[] whole, String[] alone, String description) {
		RedisCommands<String, String> redis = connection.sync();
		assertThat(scores(whole[0]).keySet()).as(description + ": queue").isEqualTo(scores(alone[0]).keySet());
		assertThat(scores(whole[1]).keySet()).as(description + ": expiries").isEqualTo(scores(alone[1]).keySet());
		scores(whole[1]).forEach((member, expiry) -> assertThat(expiry).as(description + ": expiry of " + member)
			.isCloseTo(scores(alone[1]).get(member), within(50.0)));
		assertThat(redis.hkeys(whole[2])).as(description + ": conversions")
			.containsExactlyInAnyOrderElementsOf(redis.hkeys(alone[2]));
		assertThat(redis.smembers(whole[3])).as(description + ": watchers").isEqualTo(redis.smembers(alone[3]));
		Map<String, String> wholeValue = redis.hgetall(whole[4]);
		Map<String, String> aloneValue = redis.hgetall(alone[4]);
		assertThat(wholeValue.keySet()).as(description + ": value fields").isEqualTo(aloneValue.keySet());
		assertThat(wholeValue.get("i")).as(description + ": validity").isEqualTo(aloneValue.get("i"));
		assertThat(markOwner(wholeValue.get("w"))).as(description + ": writer mark")
			.isEqualTo(markOwner(aloneValue.get("w")));
		for (int i = 0; i < whole.length; i++) {
			assertThat(redis.pttl(whole[i])).as(description + ": expiry of key " + i)
				.isCloseTo(redis.pttl(alone[i]), within(50L));
		}
	}

	private static Map<String, Double> scores(String key) {
		Map<String, Double> scores = new HashMap<>();
		for (ScoredValue<String> scored : connection.sync().zrangeWithScores(key, 0, -1)) {
			scores.put(scored.getValue(), scored.getScore());
		}
		return scores;
	}

	/** The member a writer mark names; its ticket comes from the server clock. */
	private static String markOwner(String mark) {
		return (mark != null) ? mark.substring(mark.indexOf(' ') + 1) : null;
	}

	/**
	 * What each notice from {@code from} to the marker says, with the resource and new
	 * tickets left out.
	 */
	private static List<String> kinds(List<String> messages, int from, String marker, String resource) {
		List<String> kinds = new ArrayList<>();
		for (String message : messages.subList(from, messages.indexOf(marker))) {
			assertThat(message).startsWith(resource + " ");
			String body = message.substring(resource.length() + 1);
			kinds.add(body.startsWith("?") ? "waits " + body.substring(body.indexOf(' ') + 1) : "left " + body);
		}
		return kinds;
	}

	private static List<String> published(String channel) {
		return published.computeIfAbsent(channel, (key) -> new CopyOnWriteArrayList<>());
	}

	private static String resource(String name) throws IOException {
		try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
			assertThat(in).as(name).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static long serverMicros() {
		List<String> time = connection.sync().time();
		return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
	}

	/**
	 * A lock's state and a request on it.
	 * @param modes the entries' modes in ticket order
	 * @param tickets their tickets
	 * @param expiries their lease expiries (server ms)
	 * @param converted whether the first entry has a conversion record
	 * @param watched whether a holder watches the queue
	 * @param mark the writer mark, or {@code null}
	 * @param member the request's member
	 * @param waits whether the request waits if it must
	 */
	private record Case(List<LockMode> modes, List<Long> tickets, List<Long> expiries, boolean converted,
			boolean watched, String mark, String member, boolean waits) {

		static Case random(Random random, long nowMicros) {
			LockMode[] all = LockMode.values();
			int size = random.nextInt(9);
			List<LockMode> modes = new ArrayList<>();
			List<Long> tickets = new ArrayList<>();
			List<Long> expiries = new ArrayList<>();
			long nowMillis = nowMicros / 1000;
			for (int i = 0; i < size; i++) {
				modes.add(all[random.nextInt(all.length)]);
				tickets.add(nowMicros - 1_000_000 + i * 10L);
				boolean expired = random.nextInt(10) == 0;
				expiries.add(expired ? nowMillis - 1000 - random.nextInt(1000) : nowMillis + 30_000 + random.nextInt(1000));
			}
			boolean converted = size > 0 && random.nextInt(8) == 0;
			String mark = null;
			int markKind = random.nextInt(6);
			if (markKind == 0) {
				mark = (nowMicros - 5_000_000) + " EX:lost-writer";
			}
			else if (markKind == 1 && size > 0 && (modes.get(0) == LockMode.PW || modes.get(0) == LockMode.EX)) {
				mark = tickets.get(0) + " " + modes.get(0) + ":owner-0";
			}
			String member;
			if (size > 0 && random.nextInt(12) == 0) {
				int again = random.nextInt(size);
				member = modes.get(again) + ":owner-" + again;
			}
			else {
				member = all[random.nextInt(all.length)] + ":request";
			}
			return new Case(modes, tickets, expiries, converted, random.nextBoolean(), mark, member,
					random.nextInt(4) != 0);
		}

		void write(RedisCommands<String, String> redis, String[] keys) {
			long latest = 0;
			for (int i = 0; i < this.modes.size(); i++) {
				String member = this.modes.get(i) + ":owner-" + i;
				redis.zadd(keys[0], this.tickets.get(i), member);
				redis.zadd(keys[1], this.expiries.get(i), member);
				latest = Math.max(latest, this.expiries.get(i));
			}
			if (latest > 0) {
				// the keys expire with the latest lease: those of a queue whose every lease ran out are gone
				redis.pexpireat(keys[0], latest);
				redis.pexpireat(keys[1], latest);
			}
			if (this.converted) {
				redis.hset(keys[2], Map.of(this.modes.get(0) + ":owner-0", this.modes.get(0) + ":::0", "top",
						Long.toString(this.tickets.get(this.tickets.size() - 1) + 5)));
				redis.pexpire(keys[2], 60_000);
			}
			if (this.watched && !this.modes.isEmpty()) {
				redis.sadd(keys[3], Long.toString(this.tickets.get(0)));
				redis.pexpire(keys[3], 60_000);
			}
			if (this.mark != null) {
				redis.hset(keys[4], Map.of("w", this.mark, "b", "", "n", "0", "t",
						Long.toString(System.currentTimeMillis() - 10)));
				redis.pexpire(keys[4], 60_000);
			}
		}

		String[] args(String channel, String resource) {
			return RedisLockSession.enqueueArguments(this.member, LockMode.valueOf(this.member.substring(0, 2)),
					Long.toString(LEASE_MICROS), this.waits, channel, resource, RETENTION_MILLIS);
		}

	}

}
