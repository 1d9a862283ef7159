package dev.dlock.backend.violation;

import reactor.core.publisher.Mono;

/**
 * Violation: a class of dlock-core outside {@code dev.dlock.reactive} that uses Reactor,
 * an optional dependency.
 */
final class UsesReactor {

	private UsesReactor() {
	}

	static Mono<String> reactor() {
		return Mono.just("reactor");
	}

}
