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

	/**
	 * NATS has no session lease: every entry is renewed by a write of its own, three times
	 * per lease. 10,000 entries under the kit's 2-second lease are 15,000 writes a second,
	 * beyond what one nats-server and one client sustain with headroom on the 2-core CI
	 * machine (rounds then take longer than the lease allows); 2,000 entries are 3,000
	 * writes a second. With the default 30-second lease, 10,000 locks cost 1,000 writes a
	 * second.
	 */
	@Override
	protected int manyKeysCount() {
		return 2_000;
	}

}
