package dev.dlock.integration.autoconfigure;

import java.util.concurrent.locks.Lock;

import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.integration.DlockLockRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.support.locks.DefaultLockRegistry;
import org.springframework.integration.support.locks.LockRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the lock registry is auto-configured.
 */
class DlockIntegrationAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(DlockAutoConfiguration.class, DlockIntegrationAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void lockRegistryOverTheLockManagerIsAutoConfigured() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LockRegistry.class).hasSingleBean(DlockLockRegistry.class);
			Lock lock = context.getBean(DlockLockRegistry.class).obtain("orders");
			lock.lock();
			try {
				assertThat(context.getBean(LockManager.class).locks())
					.anyMatch((info) -> info.key().equals("orders") && info.mode() == LockMode.EX);
			}
			finally {
				lock.unlock();
			}
		});
	}

	@Test
	void backsOffWhenTheApplicationDefinesALockRegistry() {
		this.runner.withUserConfiguration(OwnLockRegistry.class)
			.run((context) -> assertThat(context).hasSingleBean(LockRegistry.class)
				.doesNotHaveBean(DlockLockRegistry.class));
	}

	@Test
	void backsOffWithoutSpringIntegration() {
		this.runner.withClassLoader(new FilteredClassLoader(LockRegistry.class))
			.run((context) -> assertThat(context).hasSingleBean(LockManager.class)
				.doesNotHaveBean(DlockLockRegistry.class));
	}

	@Test
	void backsOffWithoutALockManager() {
		this.runner.withPropertyValues("dlock.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LockManager.class)
				.doesNotHaveBean(LockRegistry.class));
	}

	@Test
	void isRegisteredAsAnAutoConfiguration() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
			.contains(DlockIntegrationAutoConfiguration.class.getName());
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnLockRegistry {

		@Bean
		DefaultLockRegistry ownLockRegistry() {
			return new DefaultLockRegistry();
		}

	}

}
