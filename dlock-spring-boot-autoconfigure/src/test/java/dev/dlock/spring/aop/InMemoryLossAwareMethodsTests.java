package dev.dlock.spring.aop;

import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockBackend;
import dev.dlock.tck.CuttableBackend;

/**
 * The loss-aware methods kit on the in-memory backend, the client cut off from it.
 */
class InMemoryLossAwareMethodsTests extends LossAwareMethodsConformanceKit {

	@Override
	protected LockBackend createBackend() {
		return InMemoryLockBackend.create();
	}

	@Override
	protected void pause(CuttableBackend backend) {
		backend.cut();
	}

	@Override
	protected void resume(CuttableBackend backend) {
		backend.heal();
	}

}
