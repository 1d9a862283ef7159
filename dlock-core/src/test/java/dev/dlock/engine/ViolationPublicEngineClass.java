package dev.dlock.engine;

import dev.dlock.ViolationApiUsingTheEngine;
import dev.dlock.backend.memory.InMemoryLockBackend;

/**
 * Violations for {@code ArchitectureTests}: a public engine class, which reaches into a
 * backend, closes a class cycle with {@link ViolationReachingUpToTheManager} and a package
 * cycle with {@link ViolationApiUsingTheEngine}. Never used.
 */
public final class ViolationPublicEngineClass {

	void reachUp(DefaultLockManager manager) {
		ViolationReachingUpToTheManager.reachUp(manager);
	}

	InMemoryLockBackend backend() {
		return InMemoryLockBackend.builder().build();
	}

	ViolationApiUsingTheEngine api() {
		return new ViolationApiUsingTheEngine();
	}

}
