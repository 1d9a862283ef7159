package dev.dlock.backend.violation;

import org.springframework.violation.SpringStandIn;

/**
 * Violation: a class of dlock-core that uses Spring (a stand-in in a Spring package, since
 * core's class path has no Spring).
 */
final class UsesSpring {

	private UsesSpring() {
	}

	static SpringStandIn spring() {
		return new SpringStandIn();
	}

}
