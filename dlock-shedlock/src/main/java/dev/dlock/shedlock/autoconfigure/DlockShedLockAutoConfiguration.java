package dev.dlock.shedlock.autoconfigure;

import dev.dlock.LockManager;
import dev.dlock.shedlock.DlockLockProvider;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of a ShedLock {@link LockProvider} over dlock's {@link LockManager}:
 * with {@code shedlock-spring} on the class path and a lock manager in the context, a
 * {@link DlockLockProvider} unless the application defines a {@link LockProvider} of its
 * own.
 *
 * @since 0.1.0
 */
@AutoConfiguration(afterName = "dev.dlock.autoconfigure.DlockAutoConfiguration")
@ConditionalOnClass({ LockProvider.class, EnableSchedulerLock.class })
@ConditionalOnBean(LockManager.class)
public final class DlockShedLockAutoConfiguration {

	DlockShedLockAutoConfiguration() {
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockProvider.class)
	DlockLockProvider dlockLockProvider(LockManager lockManager) {
		return new DlockLockProvider(lockManager);
	}

}
