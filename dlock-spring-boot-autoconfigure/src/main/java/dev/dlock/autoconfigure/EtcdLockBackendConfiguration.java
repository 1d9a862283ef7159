package dev.dlock.autoconfigure;

import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.spi.LockBackend;
import io.etcd.jetcd.Client;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The etcd backend, over the application's jetcd {@link Client} bean if there is one, or
 * over the one that {@link EtcdClientConfiguration} builds. The backend never closes the
 * client; the context does, after the backend.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(Client.class)
@Conditional(LockBackendCondition.class)
@Import(EtcdClientConfiguration.class)
class EtcdLockBackendConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	EtcdLockBackend etcdLockBackend(DlockProperties properties, Client client) {
		EtcdLockBackend.Builder builder = EtcdLockBackend.builder(client)
			.requestTimeout(properties.getEtcd().getRequestTimeout())
			.valueRetention(properties.getEtcd().getValueRetention());
		if (properties.getKeyPrefix() != null) {
			builder.keyPrefix(properties.getKeyPrefix());
		}
		return builder.build();
	}

}
