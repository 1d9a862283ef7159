package dev.dlock.autoconfigure;

import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * A toy backend, to show what a fifth backend costs: in-memory locks, detected from
 * {@code dlock.toy.url}, with its settings beside it.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(LockBackendCondition.class)
@EnableConfigurationProperties(ToyLockBackendConfiguration.ToyProperties.class)
class ToyLockBackendConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(LockBackend.class)
	InMemoryLockBackend toyLockBackend(ToyProperties properties) {
		String url = properties.getUrl();
		if (url != null && !url.startsWith("toy://")) {
			throw new IllegalStateException("dlock.toy.url must start with toy://");
		}
		return InMemoryLockBackend.create();
	}

	/**
	 * The toy backend's settings.
	 */
	@ConfigurationProperties("dlock.toy")
	static class ToyProperties {

		/**
		 * Where the toy server is; setting it selects the toy backend when the backend is
		 * detected.
		 */
		private @Nullable String url;

		public @Nullable String getUrl() {
			return this.url;
		}

		public void setUrl(@Nullable String url) {
			this.url = url;
		}

	}

}
