package dev.dlock.testserver;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import java.util.function.Function;

import dev.dlock.LockManager;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;
import io.etcd.jetcd.Client;
import io.lettuce.core.RedisClient;
import io.nats.client.Connection;
import io.nats.client.Nats;

/**
 * Backends for tests on the shared test servers ({@link RedisServer#shared()},
 * {@link EtcdServer#shared()}, {@link NatsServer#shared()}) or in memory: the backends the tests run on, each in a namespace of its own (key prefix or bucket) on
 * the shared test server, and the one place that builds the tests' lock managers. Every
 * {@link #backend()} is a new backend with its own client, as another process would have;
 * {@link #close()} closes them and their clients, and deletes the NATS bucket if there is one.
 */
public final class TestBackends implements AutoCloseable {

	/** Every manager of a test uses this lease: a NATS bucket serves one lease time. */
	public static final Duration LEASE = Duration.ofSeconds(6);

	private final String namespace = "dlock_test_" + UUID.randomUUID().toString().replace("-", "");

	private final Function<TestBackends, LockBackend> factory;

	private final Deque<AutoCloseable> closeables = new ArrayDeque<>();

	private TestBackends(Function<TestBackends, LockBackend> factory) {
		this.factory = factory;
	}

	/**
	 * A lock manager on a backend; the caller closes it.
	 * @param backend the backend
	 * @return the manager, with the tests' lease time
	 */
	public static LockManager lockManager(LockBackend backend) {
		return LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build();
	}

	/**
	 * One in-memory backend, which every {@link #backend()} returns: this JVM is the server.
	 * @return the backends
	 */
	public static TestBackends memory() {
		InMemoryLockBackend backend = InMemoryLockBackend.create();
		TestBackends backends = new TestBackends((self) -> backend);
		backends.track(backend);
		return backends;
	}

	/**
	 * Redis backends, each with its own client and the same key prefix.
	 * @return the backends
	 */
	public static TestBackends redis() {
		return new TestBackends((self) -> {
			RedisClient client = RedisClient.create(RedisServer.shared().uri());
			self.track(client::shutdown);
			return self.track(RedisLockBackend.builder(client).keyPrefix(self.namespace + ":").build());
		});
	}

	/**
	 * etcd backends, each with its own client and the same key prefix.
	 * @return the backends
	 */
	public static TestBackends etcd() {
		return new TestBackends((self) -> {
			Client client = self.track(Client.builder().endpoints(EtcdServer.shared().endpoint()).build());
			return self.track(EtcdLockBackend.builder(client).keyPrefix(self.namespace + "/").build());
		});
	}

	/**
	 * NATS backends, each with its own connection and the same bucket, deleted on close.
	 * @return the backends
	 */
	public static TestBackends nats() {
		TestBackends backends = new TestBackends((self) -> {
			Connection connection = self.track(connect());
			return self.track(NatsLockBackend.builder(connection).bucket(self.namespace).build());
		});
		// registered first, so run last: after every backend and connection is closed
		backends.track(() -> {
			try (Connection admin = connect()) {
				// created by the first session: a test that never locked has none
				if (admin.keyValueManagement().getBucketNames().contains(backends.namespace)) {
					admin.keyValueManagement().delete(backends.namespace);
				}
			}
		});
		return backends;
	}

	private static Connection connect() {
		try {
			return Nats.connect(NatsServer.shared().url());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A new backend with a client of its own.
	 * @return the backend, closed by {@link #close()}
	 */
	public LockBackend backend() {
		return this.factory.apply(this);
	}

	private <T extends AutoCloseable> T track(T closeable) {
		synchronized (this.closeables) {
			this.closeables.push(closeable);
		}
		return closeable;
	}

	@Override
	public void close() throws Exception {
		while (true) {
			AutoCloseable next;
			synchronized (this.closeables) {
				next = this.closeables.poll();
			}
			if (next == null) {
				return;
			}
			next.close();
		}
	}

}
