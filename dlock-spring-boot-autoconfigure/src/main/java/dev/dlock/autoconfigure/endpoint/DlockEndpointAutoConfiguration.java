package dev.dlock.autoconfigure.endpoint;

import dev.dlock.LockManager;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.spring.endpoint.DlockEndpoint;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of the read-only {@link DlockEndpoint dlock endpoint}. Like any
 * actuator endpoint it exists only once exposed, for example with
 * {@code management.endpoints.web.exposure.include=dlock}.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = DlockAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(LockManager.class)
@ConditionalOnAvailableEndpoint(DlockEndpoint.class)
@EnableConfigurationProperties(DlockEndpointProperties.class)
public final class DlockEndpointAutoConfiguration {

	DlockEndpointAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	DlockEndpoint dlockEndpoint(LockManager lockManager, DlockEndpointProperties properties) {
		return new DlockEndpoint(lockManager, properties.isMaskKeys());
	}

}
