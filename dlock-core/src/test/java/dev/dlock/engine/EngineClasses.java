package dev.dlock.engine;

/**
 * The package-private engine classes that {@code ArchitectureTests}, in the API's package,
 * names in its rules.
 */
public final class EngineClasses {

	/** The engine's lock manager, the top of the engine. */
	public static final Class<?> MANAGER = DefaultLockManager.class;

	private EngineClasses() {
	}

}
