package dev.dlock.shedlock;

import dev.dlock.testserver.TestBackends;
/**
 * ShedLock's provider contract on the in-memory backend.
 */
class InMemoryDlockLockProviderTests extends DlockLockProviderContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.memory();
	}

}
