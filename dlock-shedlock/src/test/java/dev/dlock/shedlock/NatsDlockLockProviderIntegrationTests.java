package dev.dlock.shedlock;

import dev.dlock.testserver.TestBackends;
/**
 * ShedLock's provider contract on the NATS backend, against the shared test server.
 */
class NatsDlockLockProviderIntegrationTests extends DlockLockProviderContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.nats();
	}

}
