package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Optional;

import dev.dlock.backend.memory.InMemoryLockBackend;

/**
 * dlock's backends as benchmark libraries, one per server.
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
			case "memory" -> Optional.of(DlockLibrary.shared("memory", InMemoryLockBackend.create(), lease));
			default -> Optional.empty();
		};
	}

}
