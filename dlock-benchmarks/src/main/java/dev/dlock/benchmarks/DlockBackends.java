package dev.dlock.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.benchmarks.DlockLibrary.OwnBackend;
import io.etcd.jetcd.Client;
import io.lettuce.core.RedisClient;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

/**
 * dlock's backends as benchmark libraries, one per server, each with its defaults: every
 * client gets a backend of its own (the Redis backend opens a command and a pub/sub
 * connection from the shared Lettuce client, etcd and NATS a client of their own, built
 * as the Spring Boot auto-configuration builds it).
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
					() -> new OwnBackend(RedisLockBackend.builder(servers.redisClient()).build(), () -> {
					}, () -> ConversionFloor.redis(servers.redisClient())), lease));
			case "etcd" -> Optional.of(DlockLibrary.of(server, () -> {
				Client client = Client.builder().endpoints(servers.etcdEndpoint()).build();
				return new OwnBackend(EtcdLockBackend.builder(client).build(), client,
						() -> ConversionFloor.etcd(client));
			}, lease));
			// a backend serves one lease time (the live bucket's max age follows it), so each gets its own buckets
			case "nats" -> Optional.of(DlockLibrary.of(server, () -> {
				Connection connection = natsConnection(servers.natsUrl());
				return new OwnBackend(
						NatsLockBackend.builder(connection).bucket("dlock-" + lease.toSeconds() + "s").build(),
						connection, () -> ConversionFloor.nats(connection, lease));
			}, lease));
			case "memory" -> Optional.of(DlockLibrary.shared(server, InMemoryLockBackend.create(), lease));
			default -> Optional.empty();
		};
	}

	/**
	 * dlock on a server's backend where each client is a library instance of its own: on
	 * Redis its own Lettuce {@code RedisClient} (its own I/O threads), shut down with the
	 * client; elsewhere as {@link #on}, whose clients have their own instances already.
	 */
	static Optional<LockLibrary> onOwnInstances(String server, Servers servers, Duration lease) {
		if (!server.equals("redis")) {
			return on(server, servers, lease);
		}
		return Optional.of(DlockLibrary.of(server, () -> {
			RedisClient client = RedisClient.create(servers.redisUri());
			return new OwnBackend(RedisLockBackend.builder(client).build(),
					() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)), () -> ConversionFloor.redis(client));
		}, lease));
	}

	/** A connection with the options of the auto-configured one. */
	private static Connection natsConnection(String url) {
		try {
			return Nats.connect(new Options.Builder().server(url)
				.connectionName("dlock")
				.maxReconnects(-1)
				.dontForceFlushOnRequest()
				.build());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
