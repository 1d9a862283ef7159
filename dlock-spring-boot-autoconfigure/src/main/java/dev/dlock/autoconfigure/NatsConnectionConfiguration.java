package dev.dlock.autoconfigure;

import java.io.IOException;

import dev.dlock.LockBackendException;
import dev.dlock.autoconfigure.DlockProperties.Nats;
import dev.dlock.spi.LockBackend;
import io.nats.client.Connection;
import io.nats.client.Options;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The jnats {@link Connection} of the NATS backend, opened from
 * {@link NatsConnectionDetails} (by default {@code dlock.nats.*}) unless the application
 * defines its own connection; the context closes it after the backend. Besides the
 * details, the connection has the name and connect timeout of {@code dlock.nats.*},
 * reconnects forever (so that the backend's watcher recovers from any outage) and does
 * not flush each request on its own (so that a renewal round is written in batches).
 * Imported by {@link NatsLockBackendConfiguration}; nothing is opened when the
 * application defines its own {@link LockBackend}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(LockBackend.class)
class NatsConnectionConfiguration {

	@Bean
	@ConditionalOnMissingBean(NatsConnectionDetails.class)
	PropertiesNatsConnectionDetails natsConnectionDetails(DlockProperties properties,
			ObjectProvider<SslBundles> sslBundles) {
		return new PropertiesNatsConnectionDetails(properties.getNats(), sslBundles);
	}

	@Bean
	@ConditionalOnMissingBean
	Connection natsConnection(NatsConnectionDetails connectionDetails, DlockProperties properties) {
		Nats nats = properties.getNats();
		Options.Builder options = new Options.Builder().servers(connectionDetails.getServers().toArray(String[]::new))
			.connectionName(nats.getConnectionName())
			.connectionTimeout(nats.getConnectTimeout())
			.maxReconnects(-1)
			.dontForceFlushOnRequest();
		if (connectionDetails.getCredentials() != null) {
			options.authHandler(io.nats.client.Nats.credentials(connectionDetails.getCredentials()));
		}
		if (connectionDetails.getUser() != null) {
			String password = (connectionDetails.getPassword() != null) ? connectionDetails.getPassword() : "";
			options.userInfo(connectionDetails.getUser().toCharArray(), password.toCharArray());
		}
		if (connectionDetails.getToken() != null) {
			options.token(connectionDetails.getToken().toCharArray());
		}
		SslBundle sslBundle = connectionDetails.getSslBundle();
		if (sslBundle != null) {
			options.sslContext(sslBundle.createSslContext());
		}
		return connect(options.build());
	}

	private static Connection connect(Options options) {
		try {
			return io.nats.client.Nats.connect(options);
		}
		catch (IOException ex) {
			throw new LockBackendException("Connecting to NATS failed", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LockBackendException("Interrupted while connecting to NATS", ex);
		}
	}

}
