package dev.dlock.autoconfigure;

import java.util.Arrays;
import java.util.stream.Collectors;

import dev.dlock.autoconfigure.DlockProperties.Backend;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up without a lock backend: why each backend was not used, and how to
 * configure one, as the table {@link Backend} says.
 */
class NoLockBackendFailureAnalyzer extends AbstractFailureAnalyzer<NoLockBackendException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, NoLockBackendException cause) {
		StringBuilder description = new StringBuilder(cause.getMessage()).append(".\n\n");
		description.append("Backends, in the order in which they are detected:\n");
		cause.reasons()
			.forEach((backend, reason) -> description.append("    - ")
				.append(backend.value())
				.append(": ")
				.append(reason)
				.append('\n'));
		StringBuilder action = new StringBuilder();
		Backend requested = cause.requested();
		if (requested != null) {
			action.append("Make the ")
				.append(requested.value())
				.append(" backend available, or set dlock.backend to another backend. To use ")
				.append(requested.value())
				.append(": ")
				.append(requested.howTo())
				.append(".\n");
		}
		else {
			action.append("Configure a lock backend (or set dlock.backend to one of ")
				.append(Arrays.stream(Backend.values()).map(Backend::value).collect(Collectors.joining(", ")))
				.append("):\n");
			for (Backend backend : Backend.values()) {
				action.append("    - ").append(backend.value()).append(": ").append(backend.howTo()).append('\n');
			}
		}
		action.append("Alternatively, define a LockBackend or LockManager bean, or set dlock.enabled=false.");
		return new FailureAnalysis(description.toString(), action.toString(), cause);
	}

}
