package dev.dlock.backend.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.spi.Subscription;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.tck.CuttableBackend.RenewalRecord;
import dev.dlock.testserver.RedisCluster;
import dev.dlock.testserver.RedisServer;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What is special about the Redis backend: round trips, script reloads, restarts without
 * persistence, a paused server, a crashed holder, Redis Cluster, and no keys left behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisLockBackendIntegrationTests {

	private static final String PREFIX = "dlock-test-" + UUID.randomUUID() + ":";

	/**
	 * Short, so that the value key a lost PW or EX holder leaves (a retention past its
	 * lease) is gone by the time {@link #noDlockKeysAreLeftBehindBeyondOneLease} looks.
	 */
	private static final Duration VALUE_RETENTION = Duration.ofSeconds(1);

	private static final Duration LEASE = Duration.ofSeconds(2);

	private final Deque<AutoCloseable> resources = new ArrayDeque<>();

	private final String key = "job:" + UUID.randomUUID();

	@AfterEach
	void closeResources() throws Exception {
		while (!this.resources.isEmpty()) {
			this.resources.pop().close();
		}
	}

	@Test
	void uncontendedAcquireIsOneRoundTripAndReleaseIsOne() throws Exception {
		RedisClient client = client(RedisServer.shared().uri());
		List<String> sent = new CopyOnWriteArrayList<>();
		client.addListener(new CommandListener() {
			@Override
			public void commandStarted(CommandStartedEvent event) {
				sent.add(event.getCommand().getType().toString());
			}
		});
		LockManager manager = manager(backend(client), Duration.ofSeconds(30), Duration.ofSeconds(1));
		await().atMost(Duration.ofSeconds(2))
			.until(() -> sent.stream().filter("SCRIPT"::equals).count() == LuaScript.ALL.size());
		sent.clear();
		LockHandle handle = manager.acquire(this.key, LockMode.EX, Duration.ofSeconds(5));
		assertThat(sent).containsExactly("EVALSHA");
		handle.release();
		await().atMost(Duration.ofSeconds(2)).until(() -> sent.size() == 2);
		assertThat(sent).containsExactly("EVALSHA", "EVALSHA");
	}

	@Test
	void waiterIsWokenByTheReleaseWithoutWaitingForItsRecheck() throws Exception {
		// rechecks every 20 s at most: only the pub/sub wake-up can hand over within 2 s
		LockManager holder = manager(backend(client(RedisServer.shared().uri())), Duration.ofSeconds(20),
				Duration.ofSeconds(20));
		LockManager waiter = manager(backend(client(RedisServer.shared().uri())), Duration.ofSeconds(20),
				Duration.ofSeconds(20));
		assertHandOffByWakeUp(holder, waiter, this.key, LockMode.PW, LockMode.PW,
				connection(RedisServer.shared().uri()).sync());
	}

	@Test
	void crashedHolderLosesTheLockWithinLeasePlusRenewalPlusOneSecond() throws Exception {
		RedisClient crashing = RedisClient.create(RedisServer.shared().uri());
		RedisLockBackend crashingBackend = RedisLockBackend.builder(crashing)
			.keyPrefix(PREFIX)
			.valueRetention(VALUE_RETENTION)
			.build();
		LockManager crashingManager = LockManagerBuilder.forBackend(crashingBackend)
			.leaseTime(LEASE)
			.closeTimeout(Duration.ofMillis(100))
			.build();
		this.resources.push(crashingBackend::close);
		this.resources.push(crashingManager::close);
		crashingManager.acquire(this.key, LockMode.EX, Duration.ofSeconds(5));
		LockManager survivor = manager(backend(client(RedisServer.shared().uri())), LEASE, Duration.ofSeconds(1));

		long crashedAt = System.nanoTime();
		crashing.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		try (LockHandle handle = survivor.acquire(this.key, LockMode.EX, Duration.ofSeconds(10))) {
			Duration waited = Duration.ofNanos(System.nanoTime() - crashedAt);
			assertThat(waited).isLessThanOrEqualTo(LEASE.plus(LEASE.dividedBy(3)).plusSeconds(1));
			assertThat(handle.isValid()).isTrue();
		}
	}

	@Test
	void scriptsAreSentAgainAfterScriptFlush() throws Exception {
		RedisServer server = server();
		RedisLockBackend backend = backend(client(server.uri()));
		LockSession session = backend.openSession(LEASE);
		StatefulRedisConnection<String, String> raw = connection(server.uri());
		AcquireRequest holder = new AcquireRequest(this.key, LockMode.EX, UUID.randomUUID().toString(), true);
		AcquireRequest waiter = new AcquireRequest(this.key, LockMode.PR, UUID.randomUUID().toString(), true);

		raw.sync().scriptFlush();
		assertThat(session.enqueue(holder).join().state()).isEqualTo(QueueState.GRANTED);
		raw.sync().scriptFlush();
		EnqueueResult waiting = session.enqueue(waiter).join();
		assertThat(waiting.state().status()).isEqualTo(Status.WAITING);
		raw.sync().scriptFlush();
		assertThat(session.renew(List.of(waiting.entry())).join()).isEmpty();
		raw.sync().scriptFlush();
		session.remove(holder).join();
		raw.sync().scriptFlush();
		assertThat(session.poll(waiting.entry()).join()).isEqualTo(QueueState.GRANTED);
	}

	@Test
	void waitersPollAfterThePubSubConnectionWasReestablished() {
		RedisServer server = server();
		RedisLockBackend backend = backend(client(server.uri()));
		LockSession session = backend.openSession(LEASE);
		session.enqueue(new AcquireRequest(this.key, LockMode.EX, UUID.randomUUID().toString(), true)).join();
		QueueEntry waiter = session
			.enqueue(new AcquireRequest(this.key, LockMode.EX, UUID.randomUUID().toString(), true))
			.join()
			.entry();
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = session.watch(waiter, signals::incrementAndGet)) {
			assertThat(signals).hasValue(0);
			// messages published while the subscriber was away are lost: waiters must look again
			connection(server.uri()).sync().clientKill(KillArgs.Builder.typePubsub());
			await().atMost(Duration.ofSeconds(5)).until(() -> signals.get() > 0);
		}
	}

	@Test
	void restartWithoutPersistenceIsNoticedAtTheNextRenewalAndTokensKeepIncreasing() throws Exception {
		RedisServer server = server();
		LockManager manager = manager(backend(client(server.uri())), Duration.ofSeconds(6), Duration.ofSeconds(1));
		long highestBefore = 0;
		List<LockHandle> held = new ArrayList<>();
		ConcurrentLinkedQueue<LockLostException> losses = new ConcurrentLinkedQueue<>();
		for (int i = 0; i < 3; i++) {
			String lockKey = this.key + ":" + i;
			for (int round = 0; round < 3; round++) {
				manager.acquire(lockKey, LockMode.EX, Duration.ofSeconds(5)).release();
			}
			LockHandle handle = manager.acquire(lockKey, LockMode.EX, Duration.ofSeconds(5));
			handle.onLost(losses::add);
			held.add(handle);
			highestBefore = Math.max(highestBefore, handle.fencingToken());
		}

		long restartedAt = System.nanoTime();
		server.restart();
		// the renewal period is 2 s: the loss is reported by a renewal, well before the 6 s lease runs out
		await().atMost(Duration.ofSeconds(4)).until(() -> held.stream().noneMatch(LockHandle::isValid));
		assertThat(Duration.ofNanos(System.nanoTime() - restartedAt)).isLessThan(Duration.ofSeconds(6));
		await().atMost(Duration.ofSeconds(2)).until(() -> losses.size() == 3);
		assertThat(losses).allSatisfy((loss) -> assertThat(loss).hasMessageContaining("no longer has its entry"));

		for (int i = 0; i < 3; i++) {
			try (LockHandle after = manager.acquire(this.key + ":" + i, LockMode.EX, Duration.ofSeconds(5))) {
				assertThat(after.fencingToken()).isGreaterThan(highestBefore);
			}
		}
	}

	@Test
	void pausedServerInvalidatesHandlesWithinOneLeaseAndEverythingRecoversAfterwards() throws Exception {
		RedisServer server = server();
		// records when each renewal was sent; never cut
		CuttableBackend recorder = new CuttableBackend(backend(client(server.uri())));
		LockManager manager = manager(recorder, LEASE, Duration.ofSeconds(1));
		LockHandle handle = manager.acquire(this.key, LockMode.EX, Duration.ofSeconds(5));
		AtomicInteger lost = new AtomicInteger();
		handle.onLost((loss) -> lost.incrementAndGet());
		await().atMost(LEASE).until(() -> recorder.renewals().stream().anyMatch(RenewalRecord::succeeded));

		server.pause();
		long invalidAt;
		try {
			await().atMost(LEASE.plusSeconds(1)).pollInterval(Duration.ofMillis(5)).until(() -> !handle.isValid());
			invalidAt = System.nanoTime();
			await().atMost(Duration.ofSeconds(1)).until(() -> lost.get() == 1);
		}
		finally {
			server.resume();
		}
		long lastRenewalSent = recorder.renewals()
			.stream()
			.filter(RenewalRecord::succeeded)
			.mapToLong(RenewalRecord::sentAt)
			.max()
			.orElseThrow();
		assertThat(Duration.ofNanos(invalidAt - lastRenewalSent)).isLessThanOrEqualTo(LEASE.plusMillis(100));
		handle.release();
		LockManager other = manager(backend(client(server.uri())), LEASE, Duration.ofSeconds(1));
		try (LockHandle again = other.acquire(this.key, LockMode.EX, Duration.ofSeconds(10))) {
			assertThat(again.fencingToken()).isGreaterThan(handle.fencingToken());
			assertThat(again.isValid()).isTrue();
		}
		try (LockHandle same = manager.acquire(this.key, LockMode.EX, Duration.ofSeconds(10))) {
			assertThat(same.isValid()).isTrue();
		}
	}

	@Test
	void redisClusterKeepsModesAndFairnessAcrossKeysInDifferentSlots() throws Exception {
		RedisCluster cluster = RedisCluster.start(3);
		this.resources.push(cluster);
		RedisClusterClient clusterClient = clusterClient(cluster);
		RedisLockBackend backend = backend(clusterClient);
		List<String> keys = new ArrayList<>();
		Set<RedisServer> nodes = new HashSet<>();
		for (int i = 0; i < 100 && (keys.size() < 6 || nodes.size() < 3); i++) {
			keys.add(this.key + ":" + i);
			nodes.add(cluster.nodeForKey(RedisTestKeys.queue(PREFIX, this.key + ":" + i)));
		}
		assertThat(nodes).hasSize(3);

		LockSession session = backend.openSession(LEASE);
		for (String lockKey : keys) {
			for (LockMode held : LockMode.values()) {
				for (LockMode requested : LockMode.values()) {
					String pairKey = lockKey + ":" + held + requested;
					AcquireRequest first = new AcquireRequest(pairKey, held, UUID.randomUUID().toString(), true);
					AcquireRequest second = new AcquireRequest(pairKey, requested, UUID.randomUUID().toString(), false);
					assertThat(session.enqueue(first).join().state()).isEqualTo(QueueState.GRANTED);
					assertThat(session.enqueue(second).join().state().status())
						.isEqualTo(held.isCompatibleWith(requested) ? Status.GRANTED : Status.REJECTED);
					session.remove(first).join();
					session.remove(second).join();
				}
			}
			AcquireRequest reader = new AcquireRequest(lockKey, LockMode.PR, UUID.randomUUID().toString(), true);
			AcquireRequest writer = new AcquireRequest(lockKey, LockMode.PW, UUID.randomUUID().toString(), true);
			AcquireRequest lateReader = new AcquireRequest(lockKey, LockMode.CW, UUID.randomUUID().toString(), true);
			assertThat(session.enqueue(reader).join().state()).isEqualTo(QueueState.GRANTED);
			QueueEntry writerEntry = session.enqueue(writer).join().entry();
			QueueEntry lateEntry = session.enqueue(lateReader).join().entry();
			assertThat(session.poll(writerEntry).join().status()).isEqualTo(Status.WAITING);
			assertThat(session.renew(List.of(writerEntry, lateEntry)).join()).isEmpty();
			session.remove(reader).join();
			assertThat(session.poll(writerEntry).join()).isEqualTo(QueueState.GRANTED);
			assertThat(session.poll(lateEntry).join().status()).isEqualTo(Status.WAITING);
			session.remove(writer).join();
			assertThat(session.poll(lateEntry).join()).isEqualTo(QueueState.GRANTED);
			session.remove(lateReader).join();
		}

		// one renewal round covers entries in many slots on every node
		List<QueueEntry> spread = new ArrayList<>();
		for (String lockKey : keys) {
			spread.add(session.enqueue(new AcquireRequest(lockKey, LockMode.CR, UUID.randomUUID().toString(), true))
				.join()
				.entry());
		}
		session.remove(spread.get(1).request()).join();
		assertThat(session.renew(spread).join()).containsExactly(spread.get(1));
		spread.forEach((entry) -> session.remove(entry.request()).join());

		// wake-ups cross the cluster: rechecks are 20 s apart, so only pub/sub hands over in time
		LockManager holder = manager(backend, Duration.ofSeconds(20), Duration.ofSeconds(20));
		LockManager waiter = manager(backend(clusterClient), Duration.ofSeconds(20), Duration.ofSeconds(20));
		StatefulRedisClusterConnection<String, String> raw = clusterConnection(clusterClient);
		for (String lockKey : keys) {
			assertHandOffByWakeUp(holder, waiter, lockKey, LockMode.EX, LockMode.CR, raw.sync());
		}
	}

	/**
	 * The backends' pub/sub connections sit on one node of a Cluster. When that node dies,
	 * wake-ups must go on through another node (rechecks are 20 s apart here, so only a
	 * wake-up hands over in time).
	 */
	@Test
	void clusterWakeUpsSurviveTheLossOfTheNodeThePubSubConnectionsAreOn() throws Exception {
		RedisCluster cluster = RedisCluster.start(3);
		this.resources.push(cluster);
		RedisClusterClient clusterClient = clusterClient(cluster);
		LockManager holder = manager(backend(clusterClient), Duration.ofSeconds(20), Duration.ofSeconds(20));
		LockManager waiter = manager(backend(clusterClient), Duration.ofSeconds(20), Duration.ofSeconds(20));
		StatefulRedisClusterConnection<String, String> raw = clusterConnection(clusterClient);
		assertHandOffByWakeUp(holder, waiter, this.key + ":before", LockMode.EX, LockMode.EX, raw.sync());

		List<RedisServer> subscribed = cluster.nodes().stream().filter((node) -> hasSubscriber(node)).toList();
		assertThat(subscribed).isNotEmpty().hasSizeLessThan(cluster.nodes().size());
		subscribed.forEach(RedisServer::kill);
		String survivorKey = IntStream.iterate(0, (i) -> i + 1)
			.mapToObj((i) -> this.key + ":after:" + i)
			.filter((candidate) -> !subscribed.contains(cluster.nodeForKey(RedisTestKeys.queue(PREFIX, candidate))))
			.findFirst()
			.orElseThrow();
		assertHandOffByWakeUp(holder, waiter, survivorKey, LockMode.EX, LockMode.CR, raw.sync());
	}

	/** Whether a pub/sub client with a subscription is connected to the node. */
	private static boolean hasSubscriber(RedisServer node) {
		RedisClient client = RedisClient.create(node.uri());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return connection.sync().clientList().contains(" sub=1 ");
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void backendOverTheApplicationsConnectionsNeverClosesThem() throws Exception {
		RedisClient client = client(RedisServer.shared().uri());
		StatefulRedisConnection<String, String> commands = client.connect();
		StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
		this.resources.push(commands);
		this.resources.push(pubSub);
		RedisLockBackend backend = RedisLockBackend.builder(commands, pubSub)
			.keyPrefix(PREFIX)
			.valueRetention(VALUE_RETENTION)
			.build();
		try (LockManager manager = LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build()) {
			manager.acquire(this.key, LockMode.EX, Duration.ofSeconds(5)).release();
		}
		backend.close();
		assertThat(commands.isOpen()).isTrue();
		assertThat(pubSub.isOpen()).isTrue();
		assertThat(commands.sync().ping()).isEqualTo("PONG");
		await().atMost(Duration.ofSeconds(2)).until(() -> pubSub.sync().ping().equals("PONG"));
	}

	@Test
	void worksBehindSentinel() throws Exception {
		RedisServer master = server();
		RedisURI sentinel = sentinel(master);
		RedisClient client = client(sentinel);
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
			try (StatefulRedisConnection<String, String> probe = client.connect()) {
				return "PONG".equals(probe.sync().ping());
			}
		});
		LockManager holder = manager(backend(client), Duration.ofSeconds(20), Duration.ofSeconds(20));
		LockManager waiter = manager(backend(client), Duration.ofSeconds(20), Duration.ofSeconds(20));
		assertHandOffByWakeUp(holder, waiter, this.key, LockMode.PW, LockMode.EX, connection(master.uri()).sync());
	}

	@Test
	void afterASentinelFailoverTheBackendFollowsTheNewPrimaryAndWaitersAreStillWoken() throws Exception {
		RedisServer primary = server();
		RedisServer replica = RedisServer.startReplicaOf(primary);
		this.resources.push(replica);
		await().atMost(Duration.ofSeconds(10))
			.ignoreExceptions()
			.until(() -> replication(replica).contains("master_link_status:up"));
		RedisClient client = client(sentinel(primary, "sentinel down-after-milliseconds dlock 1000\n"
				+ "sentinel failover-timeout dlock 5000\n"));
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
			try (StatefulRedisConnection<String, String> probe = client.connect()) {
				return "PONG".equals(probe.sync().ping());
			}
		});
		LockManager holder = manager(backend(client), Duration.ofSeconds(20), Duration.ofSeconds(20));
		LockManager waiter = manager(backend(client), Duration.ofSeconds(20), Duration.ofSeconds(20));
		holder.acquire(this.key, LockMode.EX, Duration.ofSeconds(5)).release();
		primary.kill();
		// the replica is promoted (Sentinel then disconnects its clients); the backend's connections follow
		// it, and scripts are sent again where missing
		await().atMost(Duration.ofSeconds(30))
			.ignoreExceptions()
			.until(() -> replication(replica).contains("role:master"));
		String after = this.key + ":after-failover";
		await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(
				holder.tryAcquire(after + ":probe", LockMode.EX)).hasValueSatisfying(LockHandle::release));
		assertHandOffByWakeUp(holder, waiter, after, LockMode.PW, LockMode.EX, connection(replica.uri()).sync());
	}

	@Test
	void worksAsAnAclUserThatMayOnlyTouchTheKeyPrefixAndItsChannel() throws Exception {
		RedisServer server = server();
		String password = "pw-" + UUID.randomUUID();
		// no access to other keys or channels: everything the backend writes or publishes is under its prefix
		RedisCommands<String, String> admin = connection(server.uri()).sync();
		admin.aclSetuser("locks", AclSetuserArgs.Builder.on()
			.addPassword(password)
			.resetKeys()
			.keyPattern(PREFIX + "*")
			.resetChannels()
			.channelPattern(PREFIX + "*")
			.allCommands());
		RedisURI asLocks = RedisURI.create(server.uri());
		asLocks.setUsername("locks");
		asLocks.setPassword(password.toCharArray());
		RedisClient client = client(asLocks);
		LockManager holder = manager(backend(client), Duration.ofSeconds(20), Duration.ofSeconds(20));
		LockManager waiter = manager(backend(client), Duration.ofSeconds(20), Duration.ofSeconds(20));
		assertHandOffByWakeUp(holder, waiter, this.key, LockMode.PW, LockMode.EX, admin);
	}

	@Test
	@Order(Integer.MAX_VALUE)
	void noDlockKeysAreLeftBehindBeyondOneLease() throws Exception {
		RedisClient client = client(RedisServer.shared().uri());
		LockManager manager = manager(backend(client), LEASE, Duration.ofSeconds(1));
		manager.acquire(this.key, LockMode.EX, Duration.ofSeconds(5)).release();
		LockHandle held = manager.acquire(this.key + ":held", LockMode.PR, Duration.ofSeconds(5));
		LockManager other = manager(backend(client), LEASE, Duration.ofSeconds(1));
		Optional<LockHandle> rejected = other.tryAcquire(this.key + ":held", LockMode.EX);
		assertThat(rejected).isEmpty();
		// a holder that stops renewing, and a waiter that gives up (granted when `held` leaves: a lost
		// writer, whose value key lasts a retention past its lease)
		RedisLockBackend abandoned = RedisLockBackend.builder(client)
			.keyPrefix(PREFIX)
			.valueRetention(VALUE_RETENTION)
			.build();
		abandoned.openSession(LEASE)
			.enqueue(new AcquireRequest(this.key + ":held", LockMode.EX, UUID.randomUUID().toString(), true))
			.join();
		abandoned.close();
		held.release();
		manager.close();

		StatefulRedisConnection<String, String> raw = connection(RedisServer.shared().uri());
		await().atMost(LEASE.plusMillis(2000)).until(() -> RedisTestKeys.scan(raw.sync(), PREFIX).isEmpty());
	}

	private RedisServer server() {
		RedisServer server = RedisServer.start();
		this.resources.push(server);
		return server;
	}

	/**
	 * Hands a lock over from one manager to another. Both re-check only every 20 s, so a
	 * hand-off within 2 s proves the pub/sub wake-up.
	 */
	private static void assertHandOffByWakeUp(LockManager holder, LockManager waiter, String lockKey, LockMode held,
			LockMode wanted, RedisClusterCommands<String, String> redis) throws InterruptedException {
		LockHandle holding = holder.acquire(lockKey, held, Duration.ofSeconds(5));
		CompletableFuture<LockHandle> waiting = waiter.acquireAsync(lockKey, wanted,
				LockOptions.waitTime(Duration.ofSeconds(15)));
		await().atMost(Duration.ofSeconds(2)).until(() -> redis.zcard(RedisTestKeys.queue(PREFIX, lockKey)) == 2);
		holding.release();
		await().atMost(Duration.ofSeconds(2)).until(waiting::isDone);
		assertThat(waiting.join().fencingToken()).isGreaterThan(holding.fencingToken());
		waiting.join().release();
	}

	/** Starts a Sentinel (a redis-server in sentinel mode) that monitors the master. */
	private RedisURI sentinel(RedisServer master) throws IOException {
		return sentinel(master, "");
	}

	/** {@code INFO replication} of a server, over a connection of its own. */
	private static String replication(RedisServer server) {
		RedisClient client = RedisClient.create(server.uri());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return connection.sync().info("replication");
		}
		finally {
			client.shutdown();
		}
	}

	private RedisURI sentinel(RedisServer master, String moreConfig) throws IOException {
		Path directory = Files.createTempDirectory("dlock-sentinel-");
		int port;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			port = socket.getLocalPort();
		}
		Path config = directory.resolve("sentinel.conf");
		Files.writeString(config, "port " + port + "\nbind 127.0.0.1\ndir " + directory + "\nsentinel monitor dlock "
				+ master.host() + " " + master.port() + " 1\n" + moreConfig);
		Process process = new ProcessBuilder("redis-server", config.toString(), "--sentinel").redirectErrorStream(true)
			.redirectOutput(directory.resolve("sentinel.log").toFile())
			.start();
		this.resources.push(() -> {
			process.destroyForcibly().waitFor();
			try (Stream<Path> files = Files.walk(directory)) {
				files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
			}
		});
		return RedisURI.Builder.sentinel("127.0.0.1", port, "dlock").build();
	}

	private RedisClient client(String uri) {
		return client(RedisURI.create(uri));
	}

	private RedisClient client(RedisURI uri) {
		RedisClient client = RedisClient.create(uri);
		this.resources.push(client::shutdown);
		return client;
	}

	private StatefulRedisConnection<String, String> connection(String uri) {
		StatefulRedisConnection<String, String> connection = client(uri).connect();
		this.resources.push(connection);
		return connection;
	}

	private RedisClusterClient clusterClient(RedisCluster cluster) {
		RedisClusterClient client = RedisClusterClient.create(cluster.uris().stream().map(RedisURI::create).toList());
		this.resources.push(client::shutdown);
		return client;
	}

	private StatefulRedisClusterConnection<String, String> clusterConnection(RedisClusterClient client) {
		StatefulRedisClusterConnection<String, String> connection = client.connect();
		this.resources.push(connection);
		return connection;
	}

	private RedisLockBackend backend(AbstractRedisClient client) {
		RedisLockBackend backend = RedisLockBackend.builder(client)
			.keyPrefix(PREFIX)
			.valueRetention(VALUE_RETENTION)
			.build();
		this.resources.push(backend);
		return backend;
	}

	private LockManager manager(LockBackend backend, Duration lease, Duration maxRecheck) {
		LockManager manager = LockManagerBuilder.forBackend(backend)
			.leaseTime(lease)
			.maxRecheckInterval(maxRecheck)
			.closeTimeout(Duration.ofSeconds(1))
			.build();
		this.resources.push(manager);
		return manager;
	}

}
