package dev.dlock.backend.memory;

import java.time.Duration;

import dev.dlock.spi.LockBackend;
import dev.dlock.tck.LockBackendConformanceKit;

/**
 * The conformance kit against the in-memory backend. Every manager of a test shares one
 * backend, as processes share one server; closing it is a no-op.
 */
class InMemoryLockBackendConformanceTests extends LockBackendConformanceKit {

	private final InMemoryLockBackend server = InMemoryLockBackend.create();

	@Override
	protected LockBackend createBackend() {
		return this.server;
	}

	@Override
	protected Duration leaseTime() {
		return Duration.ofSeconds(1);
	}

	@Override
	protected int exclusiveIterationsPerThread() {
		return 2000;
	}

	@Override
	protected Duration backendSlack() {
		return Duration.ofMillis(300);
	}

}
