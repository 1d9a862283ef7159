package dev.dlock.autoconfigure.reactive;

import dev.dlock.LockManager;
import dev.dlock.LockOptions;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.autoconfigure.DlockProperties;
import dev.dlock.reactive.ReactiveLockManager;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of a {@link ReactiveLockManager} over the application's
 * {@link LockManager}, when Reactor is on the class path. Its
 * {@code usingLock(key, mode, work)} waits up to {@code dlock.wait-time}, with the lock
 * manager's lease.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = DlockAutoConfiguration.class)
// by name: in this module only the interceptor's reactive delegate may refer to Reactor's types
@ConditionalOnClass(name = "reactor.core.publisher.Mono")
@ConditionalOnBean(LockManager.class)
@EnableConfigurationProperties(DlockProperties.class)
public final class DlockReactiveAutoConfiguration {

	DlockReactiveAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	ReactiveLockManager reactiveLockManager(LockManager lockManager, DlockProperties properties) {
		return ReactiveLockManager.of(lockManager, LockOptions.waitTime(properties.getWaitTime()));
	}

}
