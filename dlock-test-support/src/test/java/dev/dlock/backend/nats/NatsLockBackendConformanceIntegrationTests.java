package dev.dlock.backend.nats;

import java.time.Duration;
import java.util.List;

import dev.dlock.spi.LockBackend;
import dev.dlock.testserver.NatsServer;
import dev.dlock.tck.LockBackendConformanceKit;
import org.jspecify.annotations.Nullable;

/**
 * The conformance kit against one nats-server with JetStream (2.9 in CI). Every client is
 * a backend on its own connection, as another process would have; each test gets its own
 * bucket, deleted after the test.
 */
class NatsLockBackendConformanceIntegrationTests extends LockBackendConformanceKit {

	private @Nullable NatsTestBucket bucket;

	@Override
	protected LockBackend createBackend() {
		if (this.bucket == null) {
			this.bucket = new NatsTestBucket(List.of(NatsServer.shared().url()), 1, buckets());
			// tracked before the first backend, so the kit closes it last: after every manager
			track(this.bucket);
		}
		return NatsLockBackend.builder(this.bucket.backendConnection())
			.bucket(this.bucket.name())
			.buckets(buckets())
			.build();
	}

	/** How many buckets the backends shard their keys over. */
	int buckets() {
		return 1;
	}

	@Override
	protected Duration leaseTime() {
		return Duration.ofSeconds(2);
	}

}
