package dev.dlock.integration;

import dev.dlock.testserver.TestBackends;
/**
 * The lock registry's contract and flows on the NATS backend, against the shared test server.
 */
class NatsDlockLockRegistryIntegrationTests extends DlockLockRegistryContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.nats();
	}

}
