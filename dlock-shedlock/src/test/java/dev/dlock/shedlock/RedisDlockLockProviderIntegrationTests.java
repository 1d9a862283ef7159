package dev.dlock.shedlock;

import dev.dlock.testserver.TestBackends;
/**
 * ShedLock's provider contract on the Redis backend, against the shared test server.
 */
class RedisDlockLockProviderIntegrationTests extends DlockLockProviderContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.redis();
	}

}
