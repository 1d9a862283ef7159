package dev.dlock.shedlock;

import dev.dlock.testserver.TestBackends;
/**
 * ShedLock's provider contract on the etcd backend, against the shared test server.
 */
class EtcdDlockLockProviderIntegrationTests extends DlockLockProviderContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.etcd();
	}

}
