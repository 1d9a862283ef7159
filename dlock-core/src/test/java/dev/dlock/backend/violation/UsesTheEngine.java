package dev.dlock.backend.violation;

import dev.dlock.LockManager;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;

/**
 * Violation: a backend that uses the engine (builds a lock manager).
 */
final class UsesTheEngine {

	private UsesTheEngine() {
	}

	static LockManager manager(LockBackend backend) {
		return LockManagerBuilder.forBackend(backend).build();
	}

}
