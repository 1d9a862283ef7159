package dev.dlock.autoconfigure.health;

import java.time.Duration;

import dev.dlock.spring.health.DlockHealthIndicator;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the {@code dlock} health indicator.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("dlock.health")
public class DlockHealthProperties {

	/**
	 * How long a health check waits for the lock backend's answer before it reports DOWN.
	 * Kept short, because a backend that does not answer often leaves the request waiting
	 * (a client that reconnects holds it back): the check then answers within this time.
	 */
	private Duration timeout = DlockHealthIndicator.DEFAULT_TIMEOUT;

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

}
