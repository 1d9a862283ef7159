package dev.dlock.autoconfigure;

import dev.dlock.spring.health.DlockHealthIndicator;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The health check of a backend whose server goes away, for every backend's
 * auto-configuration tests: UP before, DOWN answered by the health timeout after.
 */
final class HealthAfterServerLoss {

	private HealthAfterServerLoss() {
	}

	/**
	 * Checks that health is UP, runs {@code killServer}, and checks that health is DOWN,
	 * answered by the timeout of 300 ms or by the client's own report of the lost connection.
	 * @param context a context with {@code dlock.health.timeout=300ms}
	 * @param killServer ends the backend's server
	 */
	static void assertDownWithinTheTimeout(ApplicationContext context, Runnable killServer) {
		DlockHealthIndicator indicator = context.getBean(DlockHealthIndicator.class);
		assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		killServer.run();
		// the client either waits for the server to come back (the timeout answers the check)
		// or learns at once that the connection is gone (etcd's channel closed): DOWN either way
		Health health = indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(String.valueOf(health.getDetails().get("reason"))).satisfiesAnyOf(
				(reason) -> assertThat(reason).isEqualTo("the backend did not answer within 300.0ms"),
				(reason) -> assertThat(reason).containsAnyOf("channel closed", "Connection refused", "UNAVAILABLE"));
	}

}
