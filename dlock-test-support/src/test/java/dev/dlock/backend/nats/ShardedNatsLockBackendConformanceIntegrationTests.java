package dev.dlock.backend.nats;

/**
 * The conformance kit against backends that shard their keys over four buckets: every
 * fairness and safety case of the kit, per key, with the kit's keys spread over the
 * buckets (its many-keys case holds 2,000 keys in all four).
 */
class ShardedNatsLockBackendConformanceIntegrationTests extends NatsLockBackendConformanceIntegrationTests {

	@Override
	int buckets() {
		return 4;
	}

}
