package dev.dlock;

import dev.dlock.backend.memory.InMemoryLockBackend;

/**
 * Violations for {@link ArchitectureTests}: a public engine class, which reaches into a
 * backend and closes a cycle with {@link ViolationReachingUpToTheManager}. Never used.
 */
public final class ViolationPublicEngineClass {

	void reachUp(DefaultLockManager manager) {
		ViolationReachingUpToTheManager.reachUp(manager);
	}

	InMemoryLockBackend backend() {
		return InMemoryLockBackend.builder().build();
	}

}
