package dev.dlock.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.dlock.LockManager;
import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.backend.nats.NatsLockBackend;
import dev.dlock.backend.redis.RedisLockBackend;
import dev.dlock.spi.LockBackend;
import dev.dlock.spring.aop.LockProbe;
import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.RedisServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts an application with each backend's {@code application.yaml} from the README, as a
 * user who copies it would, against a real server. Only the server's address is replaced
 * (the test servers listen on free ports), and only after checking that the README sets it.
 */
class ReadmeBackendConfigurationIntegrationTests {

	private static final ReadmeSnippets readme = ReadmeSnippets.load();

	/** An application with the starter; the Redis one also has Spring Boot's Redis support. */
	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class));

	@Test
	void redis() {
		RedisServer server = RedisServer.shared();
		start(this.runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class)), "### Redis",
				RedisLockBackend.class, "spring.data.redis.host=" + server.host(),
				"spring.data.redis.port=" + server.port());
	}

	@Test
	void etcd() {
		start(this.runner, "### etcd", EtcdLockBackend.class, "dlock.etcd.endpoints=" + EtcdServer.shared().endpoint());
	}

	@Test
	void nats() {
		start(this.runner, "### NATS JetStream", NatsLockBackend.class, "dlock.nats.url=" + NatsServer.shared().url());
	}

	@Test
	void memory() {
		start(this.runner, "### In memory", InMemoryLockBackend.class);
	}

	private static void start(ApplicationContextRunner runner, String heading, Class<? extends LockBackend> backend, String... addresses) {
		PropertySource<?> yaml = load(heading);
		for (String address : addresses) {
			assertThat(yaml.containsProperty(address.substring(0, address.indexOf('='))))
				.as("the README's %s configuration sets %s", heading, address)
				.isTrue();
		}
		runner.withInitializer((context) -> context.getEnvironment().getPropertySources().addLast(yaml))
			// the test servers' free ports instead of the default ones
			.withPropertyValues(addresses)
			.run((context) -> {
				assertThat(context).hasSingleBean(backend);
				new LockProbe(context.getBean(LockManager.class)).assertLocksAndReleases();
			});
	}

	private static PropertySource<?> load(String heading) {
		String yaml = readme.blockAfter(heading, "yaml");
		try {
			List<PropertySource<?>> documents = new YamlPropertySourceLoader().load("README " + heading,
					new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
			assertThat(documents).hasSize(1);
			return documents.get(0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
