package dev.dlock.backend.violation;

import dev.dlock.backend.violation.cycle.ReachesBack;

/**
 * Violations: a public backend class that is neither the backend nor its builder, and
 * one end of a cycle between packages (the other is {@link ReachesBack}).
 */
public final class PublicImplementation {

	private PublicImplementation() {
	}

	static ReachesBack other() {
		return ReachesBack.create();
	}

}
