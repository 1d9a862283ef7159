package dev.dlock.autoconfigure;

import dev.dlock.autoconfigure.DlockProperties.Nats;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.spi.LockBackend;
import io.nats.client.Connection;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The NATS JetStream backend, over the application's jnats {@link Connection} bean if
 * there is one, or over the one that {@link NatsConnectionConfiguration} opens. The
 * backend never closes the connection; the context does, after the backend.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(Connection.class)
@Conditional(LockBackendCondition.class)
@Import(NatsConnectionConfiguration.class)
class NatsLockBackendConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	NatsLockBackend natsLockBackend(DlockProperties properties, Connection connection) {
		Nats nats = properties.getNats();
		return NatsLockBackend.builder(connection)
			.bucket(nats.getBucket())
			.buckets(nats.getBuckets())
			.replicas(nats.getReplicas())
			.requestTimeout(nats.getRequestTimeout())
			// the bucket serves this one lease time: a method's own lease time is refused
			.leaseTime(properties.getLeaseTime())
			.build();
	}

}
