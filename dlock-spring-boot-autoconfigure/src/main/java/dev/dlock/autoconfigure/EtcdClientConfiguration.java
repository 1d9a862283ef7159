package dev.dlock.autoconfigure;

import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLException;

import dev.dlock.autoconfigure.DlockProperties.Etcd;
import dev.dlock.spi.LockBackend;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The jetcd {@link Client} of the etcd backend, built from {@link EtcdConnectionDetails}
 * (by default {@code dlock.etcd.*}) unless the application defines its own client; the
 * context closes it after the backend. Imported by {@link EtcdLockBackendConfiguration};
 * nothing is built when the application defines its own {@link LockBackend}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(LockBackend.class)
class EtcdClientConfiguration {

	@Bean
	@ConditionalOnMissingBean(EtcdConnectionDetails.class)
	PropertiesEtcdConnectionDetails etcdConnectionDetails(DlockProperties properties,
			ObjectProvider<SslBundles> sslBundles) {
		return new PropertiesEtcdConnectionDetails(properties.getEtcd(), sslBundles);
	}

	@Bean
	@ConditionalOnMissingBean
	Client etcdClient(EtcdConnectionDetails connectionDetails, DlockProperties properties) {
		Etcd etcd = properties.getEtcd();
		ClientBuilder builder = Client.builder()
			.endpoints(connectionDetails.getEndpoints().toArray(String[]::new))
			.connectTimeout(etcd.getRequestTimeout());
		String user = connectionDetails.getUser();
		String password = connectionDetails.getPassword();
		if ((user == null) != (password == null)) {
			throw new IllegalStateException("Set both the etcd user and password, or neither");
		}
		if (user != null && password != null) {
			builder.user(bytes(user)).password(bytes(password));
		}
		PropertyMapper.get().from(etcd.getAuthority()).to(builder::authority);
		SslBundle sslBundle = connectionDetails.getSslBundle();
		if (sslBundle != null) {
			builder.sslContext(sslContext(sslBundle));
		}
		return builder.build();
	}

	private static ByteSequence bytes(String text) {
		return ByteSequence.from(text, StandardCharsets.UTF_8);
	}

	private static SslContext sslContext(SslBundle bundle) {
		try {
			return GrpcSslContexts.forClient()
				.keyManager(bundle.getManagers().getKeyManagerFactory())
				.trustManager(bundle.getManagers().getTrustManagerFactory())
				.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Cannot set up TLS for etcd: " + ex.getMessage(), ex);
		}
	}

}
