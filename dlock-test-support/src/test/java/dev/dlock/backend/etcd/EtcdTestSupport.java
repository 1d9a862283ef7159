package dev.dlock.backend.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;

import dev.dlock.LockManager;
import dev.dlock.engine.LockManagerBuilder;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;

/**
 * Backends, managers and raw clients for the etcd tests, closed in reverse order by
 * {@link #close()}.
 */
final class EtcdTestSupport implements AutoCloseable {

	static final Duration LEASE = Duration.ofSeconds(3);

	private final Deque<AutoCloseable> resources = new ArrayDeque<>();

	/** A key prefix of its own, so that tests never see each other's entries. */
	final String keyPrefix = "dlock-it-" + UUID.randomUUID() + "/";

	/** A backend on a client of its own, closed after it. */
	EtcdLockBackend backend(List<String> endpoints) {
		return backend(client(endpoints.toArray(String[]::new)));
	}

	EtcdLockBackend backend(String endpoint) {
		return backend(List.of(endpoint));
	}

	EtcdLockBackend backend(Client client) {
		return register(EtcdLockBackend.builder(client).keyPrefix(this.keyPrefix).build());
	}

	LockManager manager(EtcdLockBackend backend) {
		return register(LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build());
	}

	/** A manager on its own backend and client, like another process. */
	LockManager manager(String endpoint) {
		return manager(backend(endpoint));
	}

	Client client(String... endpoints) {
		return register(Client.builder().endpoints(endpoints).build());
	}

	<T extends AutoCloseable> T register(T resource) {
		this.resources.push(resource);
		return resource;
	}

	static String newKey() {
		return "key-" + UUID.randomUUID();
	}

	static ByteSequence bytes(String text) {
		return ByteSequence.from(text, StandardCharsets.UTF_8);
	}

	/**
	 * Every entry under this test's prefix, in creation order (not the withdrawal marks or
	 * sequencers, whose names start with a dot).
	 */
	List<KeyValue> entries(Client raw) throws Exception {
		String marks = this.keyPrefix + ".";
		return raw.getKVClient()
			.get(bytes(this.keyPrefix),
					GetOption.builder().isPrefix(true).withSortField(GetOption.SortTarget.CREATE).build())
			.get()
			.getKvs()
			.stream()
			.filter((kv) -> !kv.getKey().toString().startsWith(marks))
			.toList();
	}

	@Override
	public void close() {
		while (!this.resources.isEmpty()) {
			try {
				this.resources.pop().close();
			}
			catch (Exception ex) {
				// closing a cut client or a manager of a stopped server may fail; go on
			}
		}
	}

}
