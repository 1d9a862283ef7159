package dev.dlock.autoconfigure;

import java.util.Locale;
import java.util.Map;

import dev.dlock.autoconfigure.DlockProperties.Backend;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up without a lock backend: why each backend was not used, and how to
 * configure one.
 */
class NoLockBackendFailureAnalyzer extends AbstractFailureAnalyzer<NoLockBackendException> {

	private static final Map<Backend, String> HOW_TO = Map.of(Backend.REDIS,
			"add spring-boot-starter-data-redis (Lettuce) and configure spring.data.redis.* "
					+ "(host and port, url, sentinel or cluster)",
			Backend.ETCD, "add io.etcd:jetcd-core and set dlock.etcd.endpoints", Backend.NATS,
			"add io.nats:jnats and set dlock.nats.url (a JetStream-enabled server)", Backend.MEMORY,
			"set dlock.backend=memory (locks inside one JVM only: for tests and demos)");

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, NoLockBackendException cause) {
		StringBuilder description = new StringBuilder(cause.getMessage()).append(".\n\n");
		description.append("Backends, in the order in which they are detected:\n");
		cause.reasons()
			.forEach((backend, reason) -> description.append("    - ")
				.append(name(backend))
				.append(": ")
				.append(reason)
				.append('\n'));
		StringBuilder action = new StringBuilder();
		if (cause.requested() != null) {
			action.append("Make the ")
				.append(name(cause.requested()))
				.append(" backend available, or set dlock.backend to another backend. To use ")
				.append(name(cause.requested()))
				.append(": ")
				.append(HOW_TO.get(cause.requested()))
				.append(".\n");
		}
		else {
			action.append("Configure a lock backend (or set dlock.backend to one of redis, etcd, nats, memory):\n");
			for (Backend backend : Backend.values()) {
				action.append("    - ").append(name(backend)).append(": ").append(HOW_TO.get(backend)).append('\n');
			}
		}
		action.append("Alternatively, define a LockBackend or LockManager bean, or set dlock.enabled=false.");
		return new FailureAnalysis(description.toString(), action.toString(), cause);
	}

	private static String name(Backend backend) {
		return backend.name().toLowerCase(Locale.ROOT);
	}

}
