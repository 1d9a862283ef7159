package dev.dlock.backend.nats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueStatus;
import org.jspecify.annotations.Nullable;

/**
 * A uniquely named bucket on a test server, and the backends, managers and connections a
 * test opened on it; closing it closes them all and deletes the bucket.
 */
final class NatsTestBucket implements AutoCloseable {

	private final List<String> urls;

	private final int replicas;

	private final int buckets;

	private final String name = "dlock_test_" + UUID.randomUUID().toString().replace("-", "");

	private final Deque<AutoCloseable> closeables = new ArrayDeque<>();

	NatsTestBucket(String url) {
		this(List.of(url), 1);
	}

	NatsTestBucket(List<String> urls, int replicas) {
		this(urls, replicas, 1);
	}

	/**
	 * Buckets for backends that shard their keys over {@code buckets} buckets:
	 * {@code <name>-0} and so on when {@code buckets} is above 1.
	 */
	NatsTestBucket(List<String> urls, int replicas, int buckets) {
		this.urls = List.copyOf(urls);
		this.replicas = replicas;
		this.buckets = buckets;
	}

	String url() {
		return this.urls.get(0);
	}

	String name() {
		return this.name;
	}

	/** The names of the buckets the backends use: the name, or one per shard. */
	List<String> bucketNames() {
		return (this.buckets == 1) ? List.of(this.name)
				: IntStream.range(0, this.buckets).mapToObj((shard) -> this.name + "-" + shard).toList();
	}

	/** The name of the bucket of the sessions' heartbeats. */
	String liveName() {
		return this.name + "-live";
	}

	/** A new backend on its own connection, as another process would have. */
	NatsLockBackend backend() {
		return register(NatsLockBackend.builder(backendConnection())
			.bucket(this.name)
			.buckets(this.buckets)
			.replicas(this.replicas)
			.build());
	}

	/**
	 * A new connection with the options the Spring Boot auto-configuration gives the
	 * backend's connection: reconnecting forever, requests not flushed one by one.
	 */
	Connection backendConnection() {
		return connect(options().connectionName("dlock").maxReconnects(-1).dontForceFlushOnRequest());
	}

	/** A connection the test owns. */
	Connection connect() {
		return connect(options());
	}

	private Connection connect(Options.Builder options) {
		try {
			return register(Nats.connect(options.build()));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private Options.Builder options() {
		return new Options.Builder().servers(this.urls.toArray(String[]::new)).reconnectWait(Duration.ofMillis(200));
	}

	<T extends AutoCloseable> T register(T closeable) {
		synchronized (this.closeables) {
			this.closeables.push(closeable);
		}
		return closeable;
	}

	KeyValueStatus status() throws IOException, JetStreamApiException {
		return connect().keyValueManagement().getStatus(this.name);
	}

	/** The bucket's entries for a user key, read directly with a new connection. */
	long entryCount(String key) throws Exception {
		KeyValue kv = connect().keyValue(this.name);
		return kv.keys(dev.dlock.support.KeyCodec.encode(key) + ".*").size();
	}

	@Nullable KeyValueEntry onlyEntry(String key) throws Exception {
		KeyValue kv = connect().keyValue(this.name);
		var keys = kv.keys(dev.dlock.support.KeyCodec.encode(key) + ".*");
		return keys.isEmpty() ? null : kv.get(keys.get(0));
	}

	@Override
	public void close() throws Exception {
		Connection admin = Nats.connect(options().build());
		try {
			while (true) {
				AutoCloseable next;
				synchronized (this.closeables) {
					next = this.closeables.poll();
				}
				if (next == null) {
					break;
				}
				next.close();
			}
			List<String> all = new ArrayList<>(bucketNames());
			all.add(liveName());
			for (String bucket : all) {
				try {
					admin.keyValueManagement().delete(bucket);
				}
				catch (JetStreamApiException ex) {
					// never created
				}
			}
		}
		finally {
			admin.close();
		}
	}

}
