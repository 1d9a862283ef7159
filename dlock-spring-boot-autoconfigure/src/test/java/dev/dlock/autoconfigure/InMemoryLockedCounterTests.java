package dev.dlock.autoconfigure;

import java.util.List;

import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockBackend;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The two-instance counter on one in-memory backend shared by both contexts (a stand-in
 * for a lock server, and a check of the test itself without servers).
 */
@Import(InMemoryLockedCounterTests.SharedBackend.class)
class InMemoryLockedCounterTests extends LockedCounterTestSupport {

	private static final InMemoryLockBackend backend = InMemoryLockBackend.create();

	@Override
	protected List<String> secondInstanceProperties() {
		return List.of();
	}

	@Override
	protected Class<?>[] secondInstanceSources() {
		return new Class<?>[] { SharedBackend.class };
	}

	@Configuration(proxyBeanMethods = false)
	static class SharedBackend {

		@Bean(destroyMethod = "")
		LockBackend sharedLockBackend() {
			return backend;
		}

	}

}
