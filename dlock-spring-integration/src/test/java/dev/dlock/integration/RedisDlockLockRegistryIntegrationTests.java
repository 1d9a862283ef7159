package dev.dlock.integration;

/**
 * The lock registry's contract and flows on the Redis backend, against the shared test server.
 */
class RedisDlockLockRegistryIntegrationTests extends DlockLockRegistryContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.redis();
	}

}
