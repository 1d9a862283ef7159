package dev.dlock.backend.violation.cycle;

import dev.dlock.backend.violation.PublicImplementation;
import org.jspecify.annotations.Nullable;

/**
 * Violation: the other end of a package cycle with {@link PublicImplementation}.
 */
public final class ReachesBack {

	private @Nullable PublicImplementation parent;

	private ReachesBack() {
	}

	public static ReachesBack create() {
		return new ReachesBack();
	}

	public @Nullable PublicImplementation parent() {
		return this.parent;
	}

}
