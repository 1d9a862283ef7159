package dev.dlock.autoconfigure;

import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;

import dev.dlock.autoconfigure.DlockProperties.Nats;
import dev.dlock.autoconfigure.DlockProperties.Tls;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.spi.LockBackend;
import io.nats.client.Connection;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The NATS JetStream backend, over the application's jnats {@link Connection} bean if
 * there is one, or over a connection that the backend opens (and closes) from
 * {@code dlock.nats.*}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(Connection.class)
@Conditional(LockBackendCondition.class)
class NatsLockBackendConfiguration {

	private static final String DEFAULT_URL = "nats://localhost:4222";

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	NatsLockBackend natsLockBackend(DlockProperties properties, ObjectProvider<Connection> connection,
			ObjectProvider<SslBundles> sslBundles) {
		Nats nats = properties.getNats();
		NatsLockBackend.Builder builder = NatsLockBackend.builder()
			.bucket(nats.getBucket())
			.replicas(nats.getReplicas())
			.requestTimeout(nats.getRequestTimeout());
		Connection existing = connection.getIfUnique();
		if (existing != null) {
			return builder.connection(existing).build();
		}
		builder.servers(servers(nats)).connectionName(nats.getConnectionName());
		builder.connectionOptions((options) -> options.connectionTimeout(nats.getConnectTimeout()));
		if (nats.getCredentials() != null) {
			builder.credentials(Path.of(nats.getCredentials()));
		}
		if (nats.getUser() != null) {
			String password = (nats.getPassword() != null) ? nats.getPassword() : "";
			builder.userInfo(nats.getUser(), password.toCharArray());
		}
		if (nats.getToken() != null) {
			builder.token(nats.getToken().toCharArray());
		}
		SSLContext sslContext = sslContext(nats.getTls(), sslBundles);
		if (sslContext != null) {
			builder.sslContext(sslContext);
		}
		return builder.build();
	}

	private static List<String> servers(Nats nats) {
		List<String> servers = new ArrayList<>();
		if (nats.getUrl() != null) {
			servers.add(nats.getUrl());
		}
		servers.addAll(nats.getServers());
		return servers.isEmpty() ? List.of(DEFAULT_URL) : servers;
	}

	private static @Nullable SSLContext sslContext(Tls tls, ObjectProvider<SslBundles> sslBundles) {
		if (tls.getBundle() != null) {
			return sslBundles.getObject().getBundle(tls.getBundle()).createSslContext();
		}
		if (!tls.isEnabled()) {
			return null;
		}
		try {
			return SSLContext.getDefault();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Cannot set up TLS for NATS: " + ex.getMessage(), ex);
		}
	}

}
