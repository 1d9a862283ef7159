package dev.dlock.autoconfigure.health;

import dev.dlock.LockManager;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.spi.LockBackend;
import dev.dlock.spring.health.DlockHealthIndicator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of the {@code dlock} {@link DlockHealthIndicator health indicator}:
 * on when Spring Boot's health support is present and a {@link LockBackend} exists, off
 * with {@code management.health.dlock.enabled=false}. A check waits {@code dlock.health.timeout}
 * at most.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = DlockAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(LockBackend.class)
@ConditionalOnEnabledHealthIndicator("dlock")
@EnableConfigurationProperties(DlockHealthProperties.class)
public final class DlockHealthContributorAutoConfiguration {

	DlockHealthContributorAutoConfiguration() {
	}

	@Bean(name = "dlockHealthIndicator")
	@ConditionalOnMissingBean(name = "dlockHealthIndicator")
	DlockHealthIndicator dlockHealthIndicator(LockBackend backend, ObjectProvider<LockManager> lockManager,
			DlockHealthProperties properties) {
		return new DlockHealthIndicator(backend, lockManager.getIfUnique(), properties.getTimeout());
	}

}
