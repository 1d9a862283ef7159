package dev.dlock.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.StorageType;

/**
 * The raw pushed write of each server, as the {@link WakeUpFloor} measures it: one client
 * writes (Redis: a delete-and-publish script; etcd: a put; NATS: a KV put) and the server
 * pushes the write to a second client (a pub/sub subscription, a watch, a KV watcher),
 * with connections of their own.
 */
final class PushedWrites {

	private PushedWrites() {
	}

	/**
	 * Opens the two clients of a server's pushed write.
	 * @param server the server
	 * @param servers where the servers are
	 * @param told called on the second client's I/O thread when a write is pushed to it
	 * @return the writer; closing it closes both clients
	 */
	static Writer open(String server, Servers servers, Runnable told) throws Exception {
		return switch (server) {
			case "redis" -> redis(servers, told);
			case "etcd" -> etcd(servers, told);
			case "nats" -> nats(servers, told);
			default -> throw new IllegalArgumentException("No pushed write on " + server);
		};
	}

	private static Writer redis(Servers servers, Runnable told) {
		String channel = "bench:wake-up:" + UUID.randomUUID();
		String[] keys = { channel + ":key" };
		StatefulRedisConnection<String, String> connection = servers.redisClient().connect();
		StatefulRedisPubSubConnection<String, String> subscriber = servers.redisClient().connectPubSub();
		subscriber.addListener(new RedisPubSubAdapter<>() {
			@Override
			public void message(String from, String message) {
				told.run();
			}
		});
		subscriber.sync().subscribe(channel);
		RedisCommands<String, String> redis = connection.sync();
		String release = redis.scriptLoad(Floors.RELEASE_SCRIPT);
		return new Writer() {
			@Override
			public void send() {
				Long subscribers = redis.evalsha(release, ScriptOutputType.INTEGER, keys, channel, "released");
				Floors.check(subscribers == 1, "the raw Redis release script");
			}

			@Override
			public void close() {
				subscriber.close();
				connection.close();
			}
		};
	}

	private static Writer etcd(Servers servers, Runnable told) {
		ByteSequence key = Floors.bytes("bench/wake-up/" + UUID.randomUUID());
		ByteSequence value = Floors.bytes("released");
		Client writing = Client.builder().endpoints(servers.etcdEndpoint()).build();
		Client watching = Client.builder().endpoints(servers.etcdEndpoint()).build();
		Watch.Watcher watcher = watching.getWatchClient().watch(key, (response) -> told.run());
		KV kv = writing.getKVClient();
		return new Writer() {
			@Override
			public void send() throws Exception {
				kv.put(key, value).get();
			}

			@Override
			public void close() {
				watcher.close();
				watching.close();
				writing.close();
			}
		};
	}

	private static Writer nats(Servers servers, Runnable told) throws Exception {
		Connection writing = Nats.connect(servers.natsUrl());
		Connection watching = Nats.connect(servers.natsUrl());
		String bucket = "bench-wake-up-" + UUID.randomUUID().toString().substring(0, 8);
		KeyValueManagement management = writing.keyValueManagement();
		management.create(KeyValueConfiguration.builder()
			.name(bucket)
			.maxHistoryPerKey(1)
			.ttl(Duration.ofSeconds(30))
			.storageType(StorageType.File)
			.build());
		KeyValueWatcher watcher = new KeyValueWatcher() {
			@Override
			public void watch(KeyValueEntry entry) {
				told.run();
			}

			@Override
			public void endOfData() {
			}
		};
		AutoCloseable subscription = watching.keyValue(bucket)
			.watch("wake-up", watcher, KeyValueWatchOption.UPDATES_ONLY);
		KeyValue kv = writing.keyValue(bucket);
		byte[] value = "released".getBytes(StandardCharsets.UTF_8);
		return new Writer() {
			@Override
			public void send() throws Exception {
				kv.put("wake-up", value);
			}

			@Override
			public void close() throws Exception {
				subscription.close();
				management.delete(bucket);
				watching.close();
				writing.close();
			}
		};
	}

	/** Sends a write that the server pushes to the second client. */
	interface Writer extends WakeUpFloor.Write, AutoCloseable {

	}

}
