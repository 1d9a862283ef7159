package dev.dlock.autoconfigure;

import dev.dlock.autoconfigure.DlockProperties.ServerConnection;
import dev.dlock.autoconfigure.DlockProperties.Tls;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * The login and TLS part of the properties-based connection details of etcd and NATS.
 */
abstract class PropertiesServerConnectionDetails implements ServerConnectionDetails {

	private final ServerConnection properties;

	private final ObjectProvider<SslBundles> sslBundles;

	PropertiesServerConnectionDetails(ServerConnection properties, ObjectProvider<SslBundles> sslBundles) {
		this.properties = properties;
		this.sslBundles = sslBundles;
	}

	@Override
	public @Nullable String getUser() {
		return this.properties.getUser();
	}

	@Override
	public @Nullable String getPassword() {
		return this.properties.getPassword();
	}

	/**
	 * The named SSL bundle; the JVM's defaults when TLS is enabled without one.
	 * @return the bundle, or {@code null} without TLS
	 */
	@Override
	public @Nullable SslBundle getSslBundle() {
		Tls tls = this.properties.getTls();
		if (tls.getBundle() != null) {
			return this.sslBundles.getObject().getBundle(tls.getBundle());
		}
		return tls.isEnabled() ? SslBundle.systemDefault() : null;
	}

}
