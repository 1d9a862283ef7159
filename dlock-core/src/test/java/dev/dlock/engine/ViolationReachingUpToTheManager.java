package dev.dlock.engine;

/**
 * Violations for {@link ArchitectureTests}: an engine class that reaches up to the manager
 * (as {@code Acquisition} did), and one end of a cycle between engine classes (the other
 * is {@link ViolationPublicEngineClass}). Never used.
 */
final class ViolationReachingUpToTheManager {

	private ViolationReachingUpToTheManager() {
	}

	static void reachUp(DefaultLockManager manager) {
		manager.locks();
	}

	static ViolationPublicEngineClass partner() {
		return new ViolationPublicEngineClass();
	}

}
