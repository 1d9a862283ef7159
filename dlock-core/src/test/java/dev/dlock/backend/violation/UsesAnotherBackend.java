package dev.dlock.backend.violation;

import dev.dlock.backend.memory.InMemoryLockBackend;

/**
 * Violation: a backend that uses another backend.
 */
final class UsesAnotherBackend {

	private UsesAnotherBackend() {
	}

	static InMemoryLockBackend delegate() {
		return InMemoryLockBackend.builder().build();
	}

}
