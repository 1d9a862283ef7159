package dev.dlock.autoconfigure;

import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockBackend;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The in-memory backend, used only when {@code dlock.backend=memory}: locks inside one
 * JVM, for tests and demos.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(LockBackendCondition.class)
class InMemoryLockBackendConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	InMemoryLockBackend inMemoryLockBackend() {
		return InMemoryLockBackend.create();
	}

}
