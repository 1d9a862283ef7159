package dev.dlock.autoconfigure.page;

import dev.dlock.LockManager;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.autoconfigure.endpoint.DlockEndpointAutoConfiguration;
import dev.dlock.autoconfigure.endpoint.DlockEndpointProperties;
import dev.dlock.spring.endpoint.DlockEndpoint;
import dev.dlock.spring.page.DlockPage;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.function.RouterFunction;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of the {@link DlockPage live locks page}, for a Spring MVC
 * application with the actuator, when {@code dlock.page.enabled=true}. The page shows the
 * data of the dlock endpoint bean where the endpoint is exposed, and otherwise of an
 * endpoint of its own with the same {@code dlock.endpoint.mask-keys} setting.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = { DlockAutoConfiguration.class, DlockEndpointAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ RouterFunction.class, Endpoint.class })
@ConditionalOnBooleanProperty("dlock.page.enabled")
@ConditionalOnBean(LockManager.class)
@EnableConfigurationProperties({ DlockPageProperties.class, DlockEndpointProperties.class })
public final class DlockPageAutoConfiguration {

	DlockPageAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	DlockPage dlockPage(ObjectProvider<DlockEndpoint> endpoint, LockManager lockManager,
			DlockEndpointProperties endpointProperties, DlockPageProperties properties) {
		DlockEndpoint source = endpoint
			.getIfAvailable(() -> new DlockEndpoint(lockManager, endpointProperties.isMaskKeys()));
		return new DlockPage(source, properties.getPath());
	}

}
