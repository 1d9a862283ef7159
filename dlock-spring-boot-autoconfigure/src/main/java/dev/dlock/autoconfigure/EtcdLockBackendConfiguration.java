package dev.dlock.autoconfigure;

import java.util.List;

import javax.net.ssl.SSLException;

import dev.dlock.autoconfigure.DlockProperties.Etcd;
import dev.dlock.autoconfigure.DlockProperties.Tls;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.spi.LockBackend;
import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The etcd backend, over the application's jetcd {@link Client} bean if there is one, or
 * over a client that the backend builds (and closes) from {@code dlock.etcd.*}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(Client.class)
@Conditional(LockBackendCondition.class)
class EtcdLockBackendConfiguration {

	private static final String DEFAULT_ENDPOINT = "http://127.0.0.1:2379";

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	EtcdLockBackend etcdLockBackend(DlockProperties properties, ObjectProvider<Client> client,
			ObjectProvider<SslBundles> sslBundles) {
		Etcd etcd = properties.getEtcd();
		EtcdLockBackend.Builder builder = EtcdLockBackend.builder().requestTimeout(etcd.getRequestTimeout());
		Client existing = client.getIfUnique();
		if (existing != null) {
			builder.client(existing);
		}
		else {
			builder.endpoints(etcd.getEndpoints().isEmpty() ? List.of(DEFAULT_ENDPOINT) : etcd.getEndpoints());
			PropertyMapper map = PropertyMapper.get();
			map.from(etcd.getUser()).to(builder::user);
			map.from(etcd.getPassword()).to(builder::password);
			map.from(etcd.getAuthority()).to(builder::authority);
			SslContext sslContext = sslContext(etcd.getTls(), sslBundles);
			if (sslContext != null) {
				builder.sslContext(sslContext);
			}
		}
		if (properties.getKeyPrefix() != null) {
			builder.keyPrefix(properties.getKeyPrefix());
		}
		return builder.build();
	}

	private static @Nullable SslContext sslContext(Tls tls, ObjectProvider<SslBundles> sslBundles) {
		if (!tls.isEnabled() && tls.getBundle() == null) {
			return null;
		}
		try {
			SslContextBuilder builder = GrpcSslContexts.forClient();
			if (tls.getBundle() != null) {
				SslBundle bundle = sslBundles.getObject().getBundle(tls.getBundle());
				builder.keyManager(bundle.getManagers().getKeyManagerFactory())
					.trustManager(bundle.getManagers().getTrustManagerFactory());
			}
			return builder.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Cannot set up TLS for etcd: " + ex.getMessage(), ex);
		}
	}

}
