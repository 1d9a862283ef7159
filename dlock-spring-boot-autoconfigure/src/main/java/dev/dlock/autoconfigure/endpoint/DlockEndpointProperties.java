package dev.dlock.autoconfigure.endpoint;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the {@code dlock} actuator endpoint.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("dlock.endpoint")
public class DlockEndpointProperties {

	/**
	 * Whether the dlock endpoint shows a mask of each lock key instead of the key, because
	 * keys can carry customer data: an HMAC-SHA256 under a secret drawn at start-up, the
	 * same for one key until the instance restarts, not comparable across instances.
	 */
	private boolean maskKeys = true;

	public boolean isMaskKeys() {
		return this.maskKeys;
	}

	public void setMaskKeys(boolean maskKeys) {
		this.maskKeys = maskKeys;
	}

}
