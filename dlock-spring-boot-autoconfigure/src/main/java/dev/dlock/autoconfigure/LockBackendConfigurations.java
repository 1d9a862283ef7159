package dev.dlock.autoconfigure;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.dlock.autoconfigure.DlockProperties.Backend;
import org.jspecify.annotations.Nullable;

/**
 * The configuration class of each lock backend and what tells that its connection is
 * configured, in the order of priority used when the backend is detected.
 */
final class LockBackendConfigurations {

	private static final Map<Backend, Detection> detections;

	static {
		Map<Backend, Detection> map = new EnumMap<>(Backend.class);
		map.put(Backend.REDIS,
				new Detection("dev.dlock.autoconfigure.RedisLockBackendConfiguration",
						"org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory", true,
						List.of()));
		map.put(Backend.ETCD, new Detection("dev.dlock.autoconfigure.EtcdLockBackendConfiguration",
				"io.etcd.jetcd.Client", false, List.of("dlock.etcd.endpoints")));
		map.put(Backend.NATS, new Detection("dev.dlock.autoconfigure.NatsLockBackendConfiguration",
				"io.nats.client.Connection", false, List.of("dlock.nats.url", "dlock.nats.servers")));
		map.put(Backend.MEMORY,
				new Detection("dev.dlock.autoconfigure.InMemoryLockBackendConfiguration", null, false, List.of()));
		detections = map;
	}

	private LockBackendConfigurations() {
	}

	/**
	 * The detection rule of a backend.
	 * @param backend the backend
	 * @return its rule
	 */
	static Detection detection(Backend backend) {
		return detections.get(backend);
	}

	/**
	 * The backend that a configuration class sets up.
	 * @param configurationClassName the class name
	 * @return the backend
	 * @throws IllegalStateException for an unknown class
	 */
	static Backend backendOf(String configurationClassName) {
		for (Map.Entry<Backend, Detection> entry : detections.entrySet()) {
			if (entry.getValue().configurationClass().equals(configurationClassName)) {
				return entry.getKey();
			}
		}
		throw new IllegalStateException("Unknown lock backend configuration " + configurationClassName);
	}

	/**
	 * What tells that a backend's connection is configured.
	 * @param configurationClass the name of the backend's configuration class
	 * @param clientBean the type of a client bean that the backend uses, if any
	 * @param clientBeanRequired whether the backend cannot work without that bean
	 * @param properties properties that configure a connection
	 */
	record Detection(String configurationClass, @Nullable String clientBean, boolean clientBeanRequired,
			List<String> properties) {
	}

}
