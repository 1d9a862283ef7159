package dev.dlock.integration.autoconfigure;

import dev.dlock.LockManager;
import dev.dlock.integration.DlockLockRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of a Spring Integration {@link LockRegistry} over dlock's
 * {@link LockManager}: with a lock manager in the context, a {@link DlockLockRegistry}
 * unless the application defines a {@link LockRegistry} of its own.
 *
 * @since 0.1.0
 */
@AutoConfiguration(afterName = "dev.dlock.autoconfigure.DlockAutoConfiguration")
@ConditionalOnClass(LockRegistry.class)
@ConditionalOnBean(LockManager.class)
public final class DlockIntegrationAutoConfiguration {

	DlockIntegrationAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(LockRegistry.class)
	DlockLockRegistry dlockLockRegistry(LockManager lockManager) {
		return new DlockLockRegistry(lockManager);
	}

}
