package dev.dlock;

import dev.dlock.engine.ViolationPublicEngineClass;
import org.jspecify.annotations.Nullable;

/**
 * Violation for {@link ArchitectureTests}: an API class that uses the engine, which uses
 * the API, so that the packages {@code dev.dlock} and {@code dev.dlock.engine} form a
 * cycle. Never used.
 */
public final class ViolationApiUsingTheEngine {

	private @Nullable ViolationPublicEngineClass engine;

	public @Nullable ViolationPublicEngineClass engine() {
		return this.engine;
	}

}
