package dev.dlock.spring.aop;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code @DistributedLock} method reads and sets its key's value block through
 * {@link DistributedLocks#currentHandle()}: an {@code EX} method's value is written when
 * the interceptor releases the lock, and a {@code PR} method reads it with the writer's
 * token as version.
 */
class DistributedLockValueTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory")
		.withUserConfiguration(CatalogConfiguration.class);

	@Test
	void aValueSetInAnExMethodIsReadInAPrMethodWithTheWritersToken() {
		this.runner.run((context) -> {
			String key = "catalog:" + UUID.randomUUID();
			Catalog catalog = context.getBean(Catalog.class);
			long writersToken = catalog.publish(key, "edition 7");
			LockValue read = catalog.read(key);
			assertThat(read).isEqualTo(new LockValue("edition 7".getBytes(StandardCharsets.UTF_8), writersToken, true));
			try (LockHandle direct = context.getBean(LockManager.class).acquire(key, LockMode.PR, Duration.ofSeconds(5))) {
				assertThat(direct.value()).isEqualTo(read);
			}
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class CatalogConfiguration {

		@Bean
		Catalog catalog() {
			return new Catalog();
		}

	}

	static class Catalog {

		@DistributedLock(key = "#{#key}", mode = LockMode.EX, waitTime = "5s")
		public long publish(String key, String edition) {
			LockHandle lock = DistributedLocks.currentHandle().orElseThrow();
			lock.setValue(edition.getBytes(StandardCharsets.UTF_8));
			return lock.fencingToken();
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.PR, waitTime = "5s")
		public LockValue read(String key) {
			return DistributedLocks.currentHandle().orElseThrow().value();
		}

	}

}
