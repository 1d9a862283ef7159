package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.UUID;

import dev.dlock.spi.LockBackend;
import dev.dlock.tck.LockBackendConformanceKit;
import dev.dlock.testserver.EtcdServer;

/**
 * The conformance kit against a real etcd. Each backend has its own jetcd client, as
 * another process would; all of a test's backends share one key prefix.
 */
class EtcdLockBackendConformanceIntegrationTests extends LockBackendConformanceKit {

	private final String keyPrefix = "dlock-tck-" + UUID.randomUUID() + "/";

	@Override
	protected LockBackend createBackend() {
		return EtcdLockBackend.builder().endpoints(EtcdServer.shared().endpoint()).keyPrefix(this.keyPrefix).build();
	}

	/** etcd raises shorter leases to its minimum of 2 seconds. */
	@Override
	protected Duration leaseTime() {
		return Duration.ofSeconds(2);
	}

	/**
	 * The server TTL is the lease and a third, rounded up to whole seconds (3 s for a 2 s
	 * lease), and etcd sweeps expired leases every 500 ms.
	 */
	@Override
	protected Duration backendSlack() {
		return Duration.ofSeconds(2);
	}

}
