package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Optional;

import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;

/**
 * dlock's backends as benchmark libraries, one per server, each with its defaults: every
 * client gets a backend of its own (the Redis backend opens a command and a pub/sub
 * connection from the shared Lettuce client, etcd and NATS a client of their own).
 */
final class DlockBackends {

	private DlockBackends() {
	}

	/**
	 * dlock on a server's backend.
	 * @param server {@code redis}, {@code etcd}, {@code nats} or {@code memory}
	 * @param lease the lease time of every lock
	 * @return the library, or empty if that backend is not in this build
	 */
	static Optional<LockLibrary> on(String server, Servers servers, Duration lease) {
		return switch (server) {
			case "redis" -> Optional.of(DlockLibrary.of(server,
					() -> RedisLockBackend.builder(servers.redisClient()).build(), lease));
			case "etcd" -> Optional.of(DlockLibrary.of(server,
					() -> EtcdLockBackend.builder().endpoints(servers.etcdEndpoint()).build(), lease));
			// a bucket serves one lease time (its max age), so each lease time gets its own bucket
			case "nats" -> Optional.of(DlockLibrary.of(server, () -> NatsLockBackend.builder()
				.servers(servers.natsUrl())
				.bucket("dlock-" + lease.toSeconds() + "s")
				.build(), lease));
			case "memory" -> Optional.of(DlockLibrary.shared(server, InMemoryLockBackend.create(), lease));
			default -> Optional.empty();
		};
	}

}
