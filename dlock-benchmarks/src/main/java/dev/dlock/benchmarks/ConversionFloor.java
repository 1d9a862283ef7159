package dev.dlock.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatchOption;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.StorageType;
import io.nats.client.impl.NatsKeyValueWatchSubscription;

/**
 * The one raw server operation a lock conversion needs, sent through the client library
 * instance a dlock backend runs on, so that the conversion case can time it in the same
 * rounds as the conversions (paired) instead of in the separate floor step. Each call is
 * one revision-checked (or script) write of one key, as a conversion is one write of its
 * entry:
 * <ul>
 * <li>Redis: one {@code EVALSHA} of a script that sets a key with an expiry, on a connection
 * of the backend's Lettuce client (the same I/O threads).</li>
 * <li>etcd: one transaction on the backend's jetcd client that compares the key's mod
 * revision with the last one written and puts it (else reads it).</li>
 * <li>NATS: one update with the expected revision on the backend's connection, of a key in
 * a bucket configured as dlock's (file storage, one message per key, the lease as max age)
 * whose every write a watcher on the same connection consumes. dlock keeps one watcher per
 * bucket that must see every write, its own conversions included (a decision is made only
 * on a copy that shows the entry's own write), so the server delivers each conversion's
 * write to that watcher as well as answering it, on the same connection; a floor without
 * that watcher would count work the design cannot leave out as dlock's overhead.</li>
 * </ul>
 * Not thread-safe: one caller at a time.
 */
abstract class ConversionFloor implements AutoCloseable {

	/** What a run calls its floor operation, by server. */
	static String name(String server) {
		return switch (server) {
			case "redis" -> "EVALSHA (SET PX)";
			case "etcd" -> "txn (mod-revision CAS)";
			case "nats" -> "KV CAS, watched bucket";
			default -> "";
		};
	}

	/**
	 * Runs the operation once and waits for its reply.
	 * @throws Exception what the client threw
	 */
	abstract void run() throws Exception;

	@Override
	public abstract void close() throws Exception;

	/** On a new connection of the backend's Lettuce client. */
	static ConversionFloor redis(RedisClient client) {
		StatefulRedisConnection<String, String> connection = client.connect();
		RedisCommands<String, String> redis = connection.sync();
		String sha = redis.scriptLoad("return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])");
		String[] keys = { "bench:conversion-floor:" + UUID.randomUUID() };
		String value = UUID.randomUUID().toString();
		return new ConversionFloor() {

			@Override
			void run() {
				redis.evalsha(sha, ScriptOutputType.STATUS, keys, value, "30000");
			}

			@Override
			public void close() {
				connection.close();
			}

		};
	}

	/** On the backend's own jetcd client. */
	static ConversionFloor etcd(Client client) throws Exception {
		KV kv = client.getKVClient();
		ByteSequence key = Floors.bytes("bench/conversion-floor/" + UUID.randomUUID());
		ByteSequence value = Floors.bytes(UUID.randomUUID().toString());
		long[] revision = { kv.put(key, value).get().getHeader().getRevision() };
		return new ConversionFloor() {

			@Override
			void run() throws Exception {
				TxnResponse response = kv.txn()
					.If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision[0])))
					.Then(Op.put(key, value, PutOption.DEFAULT))
					.Else(Op.get(key, GetOption.DEFAULT))
					.commit()
					.get();
				if (!response.isSucceeded()) {
					throw new IllegalStateException("the raw etcd compare-and-set did not do what was expected");
				}
				revision[0] = response.getHeader().getRevision();
			}

			@Override
			public void close() throws Exception {
				kv.delete(key).get();
			}

		};
	}

	/** On the backend's own connection, in a bucket of its own with a watcher of every write. */
	static ConversionFloor nats(Connection connection, Duration lease) throws Exception {
		String bucket = "bench-conversion-floor-" + UUID.randomUUID().toString().substring(0, 8);
		KeyValueManagement management = connection.keyValueManagement();
		management.create(KeyValueConfiguration.builder()
			.name(bucket)
			.maxHistoryPerKey(1)
			.ttl(lease)
			.storageType(StorageType.File)
			.build());
		KeyValue kv = connection.keyValue(bucket);
		byte[] value = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
		long[] revision = { kv.create("entry", value) };
		NatsKeyValueWatchSubscription watch = kv.watchAll(new KeyValueWatcher() {
			@Override
			public void watch(KeyValueEntry entry) {
				// consumed, as dlock's mirror consumes every write of its bucket
			}

			@Override
			public void endOfData() {
			}
		}, KeyValueWatchOption.UPDATES_ONLY);
		return new ConversionFloor() {

			@Override
			void run() throws Exception {
				revision[0] = kv.update("entry", value, revision[0]);
			}

			@Override
			public void close() throws Exception {
				watch.close();
				try {
					management.delete(bucket);
				}
				catch (JetStreamApiException ex) {
					// gone already: nothing to clean up
				}
			}

		};
	}

	/**
	 * Opens the floor operation on a client's library instance.
	 */
	@FunctionalInterface
	interface Opener {

		ConversionFloor open() throws Exception;

	}

}
