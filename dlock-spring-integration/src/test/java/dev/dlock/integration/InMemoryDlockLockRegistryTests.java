package dev.dlock.integration;

import dev.dlock.testserver.TestBackends;
/**
 * The lock registry's contract and flows on the in-memory backend.
 */
class InMemoryDlockLockRegistryTests extends DlockLockRegistryContract {

	@Override
	protected TestBackends createBackends() {
		return TestBackends.memory();
	}

}
