package dev.dlock.autoconfigure.page;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the live locks page.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("dlock.page")
public class DlockPageProperties {

	/**
	 * Whether to serve the live locks page, a read-only view of the locks this instance
	 * holds and waits for, on the application's own port. Keys are masked as the dlock
	 * endpoint masks them (dlock.endpoint.mask-keys).
	 */
	private boolean enabled;

	/**
	 * Path of the page, under the servlet context path; the page's data is served below
	 * it.
	 */
	private String path = "/dlock";

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPath() {
		return this.path;
	}

	public void setPath(String path) {
		this.path = path;
	}

}
