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
	 * Whether the dlock endpoint shows a short hash of each lock key instead of the key,
	 * because keys can carry customer data.
	 */
	private boolean maskKeys = true;

	public boolean isMaskKeys() {
		return this.maskKeys;
	}

	public void setMaskKeys(boolean maskKeys) {
		this.maskKeys = maskKeys;
	}

}
