package dev.dlock.integration;

import dev.dlock.testserver.TestBackends;
/**
 * The lock registry's contract and flows on the etcd backend, against the shared test server.
 */
class EtcdDlockLockRegistryIntegrationTests extends DlockLockRegistryContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.etcd();
	}

}
