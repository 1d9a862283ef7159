package dev.dlock.integration;

import dev.dlock.testserver.TestBackends;
/**
 * The lock registry's contract and flows on the Redis backend, against the shared test server.
 */
class RedisDlockLockRegistryIntegrationTests extends DlockLockRegistryContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.redis();
	}

}
