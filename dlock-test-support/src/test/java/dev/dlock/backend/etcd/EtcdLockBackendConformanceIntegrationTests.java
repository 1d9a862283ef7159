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
		// tracked before the kit tracks the backend, so closed after it
		io.etcd.jetcd.Client client = track(
				io.etcd.jetcd.Client.builder().endpoints(EtcdServer.shared().endpoint()).build());
		return EtcdLockBackend.builder(client).keyPrefix(this.keyPrefix).build();
	}

	/**
	 * 3 seconds: etcd raises leases under 2 s to 2 s, and with 10,000 locks held an fsyncing
	 * etcd on a loaded two-core machine needs more room than the minimum.
	 */
	@Override
	protected Duration leaseTime() {
		return Duration.ofSeconds(3);
	}

	/**
	 * The server TTL is the lease and a third, rounded up to whole seconds (4 s for a 3 s
	 * lease), and etcd sweeps expired leases every 500 ms.
	 */
	@Override
	protected Duration backendSlack() {
		return Duration.ofSeconds(2);
	}

}
