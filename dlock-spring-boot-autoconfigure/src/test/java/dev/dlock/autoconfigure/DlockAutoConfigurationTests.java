package dev.dlock.autoconfigure;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.jayway.jsonpath.JsonPath;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.autoconfigure.DlockProperties.Backend;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.observation.DefaultLockBlockingConvention;
import dev.dlock.observation.DefaultLockConversionConvention;
import dev.dlock.observation.LockBlockingConvention;
import dev.dlock.observation.LockConversionConvention;
import dev.dlock.spi.LockBackend;
import dev.dlock.spring.aop.DistributedLockAdvisor;
import dev.dlock.spring.aop.DistributedLockInterceptor;
import io.etcd.jetcd.Client;
import io.micrometer.observation.ObservationRegistry;
import io.nats.client.Connection;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.autoproxy.AbstractAdvisorAutoProxyCreator;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * The choice of lock backend, back-off for user beans, failure analysis, registration
 * and configuration metadata.
 */
class DlockAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class));

	@Test
	void inMemoryBackendIsUsedWhenNamed() {
		this.runner.withPropertyValues("dlock.backend=memory").run((context) -> {
			assertThat(context).hasSingleBean(InMemoryLockBackend.class)
				.hasSingleBean(LockManager.class)
				.hasSingleBean(DistributedLockAdvisor.class);
			try (LockHandle handle = context.getBean(LockManager.class).tryAcquire("a", LockMode.EX).orElseThrow()) {
				assertThat(handle.isValid()).isTrue();
			}
		});
	}

	@Test
	void backendNameIsCaseInsensitive() {
		this.runner.withPropertyValues("dlock.backend=MEMORY")
			.run((context) -> assertThat(context).hasSingleBean(InMemoryLockBackend.class));
	}

	@Test
	void inMemoryBackendIsNeverDetected() {
		this.runner.run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(NoLockBackendException.class);
		});
	}

	@Test
	void startUpWithoutBackendIsExplainedWithTheOptions() {
		this.runner.run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("No lock backend is configured")
				.contains("- redis: ")
				.contains("- etcd: ")
				.contains("- nats: ")
				.contains("- memory: the in-memory backend is used only when dlock.backend=memory");
			assertThat(analysis.getAction()).contains("spring.data.redis")
				.contains("dlock.etcd.endpoints")
				.contains("dlock.nats.url")
				.contains("dlock.backend=memory")
				.contains("define a LockBackend or LockManager bean");
		});
	}

	@Test
	void failureAnalysisListsEveryBackendWithWhyAndHow() {
		this.runner.run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription().lines()).hasSize(3 + Backend.values().length)
				.startsWith("No lock backend is configured and none was detected.", "",
						"Backends, in the order in which they are detected:")
				.containsSubsequence(
						"    - redis: dlock.backend is not set and there is no bean of type "
								+ "org.springframework.data.redis.connection.RedisConnectionFactory",
						"    - etcd: dlock.backend is not set and there is no bean of type io.etcd.jetcd.Client "
								+ "or dev.dlock.autoconfigure.EtcdConnectionDetails and no dlock.etcd.endpoints",
						"    - nats: dlock.backend is not set and there is no bean of type io.nats.client.Connection "
								+ "or dev.dlock.autoconfigure.NatsConnectionDetails "
								+ "and no dlock.nats.url or dlock.nats.servers",
						"    - memory: the in-memory backend is used only when dlock.backend=memory");
			assertThat(analysis.getAction().lines()).hasSize(2 + Backend.values().length)
				.startsWith("Configure a lock backend (or set dlock.backend to one of "
						+ Arrays.stream(Backend.values()).map(Backend::value).collect(Collectors.joining(", ")) + "):")
				.containsSubsequence(
						"    - redis: add spring-boot-starter-data-redis (Lettuce) and configure spring.data.redis.* "
								+ "(host and port, url, sentinel or cluster)",
						"    - etcd: add io.etcd:jetcd-core and set dlock.etcd.endpoints",
						"    - nats: add io.nats:jnats and set dlock.nats.url (a JetStream-enabled server)",
						"    - memory: set dlock.backend=memory (locks inside one JVM only: for tests and demos)")
				.endsWith("Alternatively, define a LockBackend or LockManager bean, or set dlock.enabled=false.");
			assertThat(Arrays.stream(Backend.values()).map(Backend::value)).containsSubsequence("redis", "etcd",
					"nats", "memory");
		});
	}

	@Test
	void namedBackendThatCannotBeSetUpIsExplained() {
		this.runner.withPropertyValues("dlock.backend=redis").run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("dlock.backend (redis) could not be set up")
				.contains("- redis: dlock.backend is redis but no bean of type "
						+ "org.springframework.data.redis.connection.RedisConnectionFactory is defined")
				.contains("- etcd: ")
				.contains("dlock.backend is redis");
			assertThat(analysis.getAction()).contains("To use redis: add spring-boot-starter-data-redis");
		});
	}

	@Test
	void namedBackendWithoutItsClientIsExplained() {
		this.runner.withPropertyValues("dlock.backend=redis")
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.run((context) -> assertThat(analyze(context.getStartupFailure()).getDescription()).contains(
					"- redis: @ConditionalOnClass did not find required class "
							+ "'org.springframework.data.redis.connection.RedisConnectionFactory'"));
	}

	@Test
	void etcdIsDetectedFromItsEndpointsAndAnUnreachableOneFailsTheStartUpNamingIt() {
		String endpoint = closedEndpoint();
		this.runner.withPropertyValues("dlock.etcd.endpoints=" + endpoint)
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("LockBackendException: Cannot reach etcd at [" + endpoint + "]: "));
	}

	@Test
	void anySpringDataRedisConnectionSelectsRedisBeforeEtcdAndOneThatIsNotLettucesFailsTheStartUp() {
		// Spring Boot defines such a bean whenever Spring Data Redis is on the class path
		this.runner.withBean(RedisConnectionFactory.class, () -> mock(RedisConnectionFactory.class))
			.withPropertyValues("dlock.etcd.endpoints=" + closedEndpoint())
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageStartingWith("dlock's Redis backend needs Lettuce, but the application's Redis connection is a "
						+ "RedisConnectionFactory$MockitoMock"));
	}

	@Test
	void etcdIsDetectedFromAClientBean() {
		this.runner.withBean(Client.class, () -> Client.builder().endpoints("http://127.0.0.1:2379").build())
			.run((context) -> assertThat(context).hasSingleBean(EtcdLockBackend.class));
	}

	@Test
	void etcdIsDetectedFromAConnectionDetailsBeanWhoseEndpointsTheClientUses() {
		String endpoint = closedEndpoint();
		EtcdConnectionDetails details = () -> List.of(endpoint);
		this.runner.withBean(EtcdConnectionDetails.class, () -> details)
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("LockBackendException: Cannot reach etcd at [" + endpoint + "]: "));
	}

	@Test
	void etcdIsUsedWhenNamedWithTheDefaultEndpoint() {
		this.runner.withPropertyValues("dlock.backend=etcd")
			.withBean(Client.class, () -> Client.builder().endpoints("http://127.0.0.1:2379").build())
			.run((context) -> assertThat(context).hasSingleBean(EtcdLockBackend.class));
		EtcdConnectionDetails defaults = new PropertiesEtcdConnectionDetails(new DlockProperties().getEtcd(),
				new DefaultListableBeanFactory().getBeanProvider(SslBundles.class));
		assertThat(defaults.getEndpoints()).containsExactly("http://127.0.0.1:2379");
	}

	@Test
	void etcdClientIsNotBuiltForAnApplicationsOwnBackend() {
		this.runner.withPropertyValues("dlock.etcd.endpoints=http://127.0.0.1:2379")
			.withBean(LockBackend.class, InMemoryLockBackend::create)
			.run((context) -> assertThat(context).hasSingleBean(LockManager.class)
				.doesNotHaveBean(Client.class)
				.doesNotHaveBean(EtcdConnectionDetails.class));
	}

	@Test
	void etcdUserNeedsAPassword() {
		this.runner.withPropertyValues("dlock.backend=etcd", "dlock.etcd.user=u")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("Set both the etcd user and password"));
	}

	@Test
	void etcdDetectionNeedsItsClientOnTheClassPath() {
		this.runner.withPropertyValues("dlock.etcd.endpoints=http://127.0.0.1:2379")
			.withClassLoader(new FilteredClassLoader(Client.class))
			.run((context) -> assertThat(analyze(context.getStartupFailure()).getDescription())
				.contains("- etcd: @ConditionalOnClass did not find required class 'io.etcd.jetcd.Client'"));
	}

	@Test
	void etcdTlsUsesTheNamedSslBundle() {
		this.runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
			.withPropertyValues("dlock.backend=etcd", "dlock.etcd.tls.bundle=missing")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("SSL bundle name 'missing' cannot be found"));
		// without a bundle, the JVM's trust store: the client is built, and only then is etcd found unreachable
		this.runner.withPropertyValues("dlock.backend=etcd", "dlock.etcd.tls.enabled=true",
				"dlock.etcd.endpoints=" + closedEndpoint().replace("http:", "https:"))
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("Cannot reach etcd at [https://"));
	}

	@Test
	void natsDetectionNeedsItsClientOnTheClassPath() {
		this.runner.withPropertyValues("dlock.nats.url=nats://127.0.0.1:4222")
			.withClassLoader(new FilteredClassLoader(Connection.class))
			.run((context) -> assertThat(analyze(context.getStartupFailure()).getDescription())
				.contains("- nats: @ConditionalOnClass did not find required class 'io.nats.client.Connection'"));
	}

	@Test
	void invalidNatsBucketFailsTheStartUp() {
		this.runner.withPropertyValues("dlock.backend=nats", "dlock.nats.bucket=no.dots")
			.withBean(Connection.class, () -> mock(Connection.class))
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("'bucket' must consist of"));
	}

	@Test
	void invalidNatsBucketCountFailsTheStartUp() {
		this.runner.withPropertyValues("dlock.backend=nats", "dlock.nats.buckets=0")
			.withBean(Connection.class, () -> mock(Connection.class))
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("'buckets' must be at least 1, but was 0"));
	}

	@Test
	void invalidEtcdKeyPrefixFailsTheStartUp() {
		this.runner.withPropertyValues("dlock.backend=etcd", "dlock.key-prefix=no-slash")
			.withBean(Client.class, () -> Client.builder().endpoints("http://127.0.0.1:2379").build())
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("must end with '/'"));
	}

	@Test
	void userLockBackendIsUsedWithoutDetection() {
		this.runner.withBean("myBackend", LockBackend.class, InMemoryLockBackend::create).run((context) -> {
			assertThat(context).hasSingleBean(LockBackend.class).hasBean("myBackend").hasSingleBean(LockManager.class);
		});
	}

	@Test
	void userLockBackendWinsOverTheNamedBackend() {
		this.runner.withPropertyValues("dlock.backend=memory")
			.withBean("myBackend", LockBackend.class, InMemoryLockBackend::create)
			.run((context) -> assertThat(context).hasSingleBean(LockBackend.class).hasBean("myBackend"));
	}

	@Test
	void userLockManagerWinsAndNeedsNoBackend() {
		LockManager lockManager = LockManagerBuilder.forBackend(InMemoryLockBackend.create()).build();
		this.runner.withBean("myLockManager", LockManager.class, () -> lockManager).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(LockManager.class).hasBean("myLockManager");
			assertThat(context).doesNotHaveBean(LockBackend.class);
		});
	}

	@Test
	void userInterceptorAndAdvisorWin() {
		this.runner.withPropertyValues("dlock.backend=memory")
			.withUserConfiguration(UserAdvisorConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(DistributedLockInterceptor.class)
					.hasSingleBean(DistributedLockAdvisor.class);
				assertThat(context.getBean(DistributedLockAdvisor.class).getOrder()).isEqualTo(7);
			});
	}

	@Test
	void disabledByProperty() {
		this.runner.withPropertyValues("dlock.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed()
				.doesNotHaveBean(LockManager.class)
				.doesNotHaveBean(LockBackend.class)
				.doesNotHaveBean(DistributedLockAdvisor.class);
		});
	}

	@Test
	void customizersAreAppliedInOrder() {
		this.runner.withPropertyValues("dlock.backend=memory")
			.withUserConfiguration(CustomizerConfiguration.class)
			.run((context) -> assertThat(context.getBean(CustomizerConfiguration.class).calls).hasValue(12));
	}

	@Test
	void lockManagerReportsToTheObservationRegistry() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		this.runner.withPropertyValues("dlock.backend=memory")
			.withBean(ObservationRegistry.class, () -> registry)
			.run((context) -> {
				context.getBean(LockManager.class).tryAcquire("observed", LockMode.PR).orElseThrow().release();
				TestObservationRegistryAssert.assertThat(registry)
					.hasObservationWithNameEqualTo("dlock.acquire")
					.that()
					.hasLowCardinalityKeyValue("dlock.backend", "memory")
					.hasLowCardinalityKeyValue("dlock.mode", "PR");
			});
	}

	@Test
	void conversionConventionBeanNamesTheConvertObservation() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		this.runner.withPropertyValues("dlock.backend=memory")
			.withBean(ObservationRegistry.class, () -> registry)
			.withBean(LockConversionConvention.class, () -> new DefaultLockConversionConvention() {
				@Override
				public String getName() {
					return "orders.convert";
				}
			})
			.run((context) -> {
				try (LockHandle handle = context.getBean(LockManager.class)
					.tryAcquire("converted", LockMode.PR)
					.orElseThrow()) {
					assertThat(handle.tryConvert(LockMode.PW)).isTrue();
				}
				TestObservationRegistryAssert.assertThat(registry)
					.hasObservationWithNameEqualTo("orders.convert")
					.that()
					.hasLowCardinalityKeyValue("dlock.from-mode", "PR")
					.hasLowCardinalityKeyValue("dlock.to-mode", "PW")
					.hasLowCardinalityKeyValue("dlock.outcome", "converted");
				TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("dlock.convert", 0);
			});
	}

	@Test
	void blockingConventionBeanNamesTheBlockingObservation() {
		TestObservationRegistry registry = TestObservationRegistry.create();
		this.runner.withPropertyValues("dlock.backend=memory")
			.withBean(ObservationRegistry.class, () -> registry)
			.withBean(LockBlockingConvention.class, () -> new DefaultLockBlockingConvention() {
				@Override
				public String getName() {
					return "orders.blocking";
				}
			})
			.run((context) -> {
				LockManager lockManager = context.getBean(LockManager.class);
				try (LockHandle handle = lockManager.tryAcquire("blocking", LockMode.PR).orElseThrow()) {
					handle.onBlocking((mode) -> {
					});
					CompletableFuture<LockHandle> writer = CompletableFuture
						.supplyAsync(() -> lockManager.acquireAsync("blocking", LockMode.EX,
								LockOptions.waitTime(Duration.ofMinutes(1))))
						.join();
					Awaitility.await()
						.atMost(Duration.ofSeconds(10))
						.untilAsserted(() -> TestObservationRegistryAssert.assertThat(registry)
							.hasObservationWithNameEqualTo("orders.blocking")
							.that()
							.hasLowCardinalityKeyValue("dlock.blocked-mode", "EX"));
					writer.cancel(true);
				}
				TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsWithNameEqualTo("dlock.blocking", 0);
			});
	}

	@Test
	void leaseAndRenewalAreValidatedByTheBuilder() {
		this.runner.withPropertyValues("dlock.backend=memory", "dlock.lease-time=10s", "dlock.renewal.interval=10s")
			.run((context) -> assertThat(context).getFailure()
				.hasRootCauseMessage("'renewalInterval' must be shorter than 'leaseTime'"));
	}

	@Test
	void advisorOrderDefaultsToAheadOfTransactionsAndFollowsTheProperty() {
		this.runner.withPropertyValues("dlock.backend=memory").run((context) -> {
			assertThat(context.getBean(DistributedLockAdvisor.class).getOrder())
				.isEqualTo(DistributedLockAdvisor.DEFAULT_ORDER)
				.isLessThan(Ordered.LOWEST_PRECEDENCE);
			assertThat(context).hasSingleBean(AbstractAdvisorAutoProxyCreator.class);
		});
		this.runner.withPropertyValues("dlock.backend=memory", "dlock.aop.order=42")
			.run((context) -> assertThat(context.getBean(DistributedLockAdvisor.class).getOrder()).isEqualTo(42));
	}

	@Test
	void autoConfigurationsAndFailureAnalyzerAreRegistered() {
		ClassLoader classLoader = getClass().getClassLoader();
		assertThat(ImportCandidates.load(AutoConfiguration.class, classLoader).getCandidates())
			.contains(DlockAutoConfiguration.class.getName(), DlockAopAutoConfiguration.class.getName());
		ArgumentResolver analyzerArguments = ArgumentResolver.of(BeanFactory.class, new DefaultListableBeanFactory())
			.and(Environment.class, new StandardEnvironment());
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation(classLoader)
			.load(FailureAnalyzer.class, analyzerArguments, FailureHandler.handleMessage((message, failure) -> {
				// other modules' analyzers need classes that this test does not have
			})))
			.hasAtLeastOneElementOfType(NoLockBackendFailureAnalyzer.class);
	}

	@Test
	void backendConfigurationsAreImportedFromTheTableInDetectionOrder() {
		assertThat(new DlockAutoConfiguration.LockBackendConfigurationImportSelector()
			.selectImports(AnnotationMetadata.introspect(DlockAutoConfiguration.class)))
			.hasSize(Backend.values().length)
			.containsSubsequence(RedisLockBackendConfiguration.class.getName(),
					EtcdLockBackendConfiguration.class.getName(), NatsLockBackendConfiguration.class.getName(),
					InMemoryLockBackendConfiguration.class.getName())
			.endsWith(InMemoryLockBackendConfiguration.class.getName());
	}

	@Test
	void everyBeanMethodBacksOffForAUserBean() throws Exception {
		List<Method> beanMethods = new ArrayList<>();
		for (Class<?> configuration : configurationClasses()) {
			for (Method method : configuration.getDeclaredMethods()) {
				if (AnnotatedElementUtils.hasAnnotation(method, Bean.class)) {
					beanMethods.add(method);
				}
			}
		}
		assertThat(beanMethods).hasSizeGreaterThanOrEqualTo(4)
			.allMatch((method) -> AnnotatedElementUtils.hasAnnotation(method, ConditionalOnMissingBean.class));
	}

	@Test
	void metadataDescribesEveryProperty() throws Exception {
		Map<String, Map<String, Object>> metadata = metadataProperties();
		List<String> keys = propertyKeys("dlock", DlockProperties.class);
		assertThat(keys).contains("dlock.enabled", "dlock.backend", "dlock.key-prefix", "dlock.lease-time",
				"dlock.wait-time", "dlock.renewal.interval", "dlock.aop.order", "dlock.etcd.endpoints",
				"dlock.etcd.user", "dlock.etcd.password", "dlock.etcd.tls.enabled", "dlock.etcd.tls.bundle",
				"dlock.nats.url", "dlock.nats.servers", "dlock.nats.credentials", "dlock.nats.token",
				"dlock.nats.tls.bundle", "dlock.nats.bucket", "dlock.nats.buckets", "dlock.nats.replicas");
		assertThat(metadata.keySet()).containsAll(keys);
		for (String key : keys) {
			assertThat(metadata.get(key)).as(key).containsKey("description");
		}
		assertThat(metadata.get("dlock.lease-time")).containsEntry("defaultValue", "30s");
		assertThat(((Number) metadata.get("dlock.aop.order").get("defaultValue")).intValue())
			.isEqualTo(DistributedLockAdvisor.DEFAULT_ORDER);
	}

	private static List<Class<?>> configurationClasses() throws ClassNotFoundException {
		List<Class<?>> classes = new ArrayList<>(List.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class));
		for (Backend backend : Backend.values()) {
			Class<?> configuration = Class.forName(backend.configurationClass());
			classes.add(configuration);
			Import imports = configuration.getAnnotation(Import.class);
			if (imports != null) {
				classes.addAll(List.of(imports.value()));
			}
		}
		return classes;
	}

	private static List<String> propertyKeys(String prefix, Class<?> type) {
		List<String> keys = new ArrayList<>();
		for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(type)) {
			if (property.getReadMethod() == null || property.getName().equals("class")) {
				continue;
			}
			String key = prefix + "." + kebab(property.getName());
			Class<?> propertyType = property.getPropertyType();
			if (propertyType.getDeclaringClass() == DlockProperties.class && !propertyType.isEnum()) {
				keys.addAll(propertyKeys(key, propertyType));
			}
			else {
				keys.add(key);
			}
		}
		return keys;
	}

	private static String kebab(String name) {
		return name.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
	}

	@Test
	void everyPropertyIsInThePropertiesTableOfTheDocumentation() throws Exception {
		String table = Files.readAllLines(Path.of("../docs/spring-boot.md"))
			.stream()
			.filter((line) -> line.startsWith("| `dlock."))
			.collect(Collectors.joining("\n"));
		assertThat(metadataProperties().keySet()).filteredOn((name) -> name.startsWith("dlock."))
			.isNotEmpty()
			.allSatisfy((name) -> assertThat(table).as("docs/spring-boot.md's properties table").contains("`" + name + "`"));
	}

	private static Map<String, Map<String, Object>> metadataProperties() throws Exception {
		try (InputStream in = DlockAutoConfigurationTests.class.getClassLoader()
			.getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("generated configuration metadata").isNotNull();
			List<Map<String, Object>> properties = JsonPath
				.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), "$.properties[*]");
			return properties.stream().collect(Collectors.toMap((p) -> (String) p.get("name"), (p) -> p));
		}
	}

	private static FailureAnalysis analyze(Throwable failure) {
		FailureAnalysis analysis = new NoLockBackendFailureAnalyzer().analyze(failure);
		assertThat(analysis).as("failure analysis of " + failure).isNotNull();
		return Optional.ofNullable(analysis).orElseThrow();
	}

	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	static class UserAdvisorConfiguration {

		@Bean
		DistributedLockInterceptor myInterceptor(LockManager lockManager) {
			return new DistributedLockInterceptor(lockManager);
		}

		@Bean
		DistributedLockAdvisor myAdvisor(DistributedLockInterceptor interceptor) {
			DistributedLockAdvisor advisor = new DistributedLockAdvisor(interceptor);
			advisor.setOrder(7);
			return advisor;
		}

	}

	@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
	static class CustomizerConfiguration {

		final AtomicInteger calls = new AtomicInteger();

		@Bean
		@org.springframework.core.annotation.Order(2)
		LockManagerBuilderCustomizer second() {
			return (builder) -> this.calls.set(this.calls.get() * 10 + 2);
		}

		@Bean
		@org.springframework.core.annotation.Order(1)
		LockManagerBuilderCustomizer first() {
			return (builder) -> this.calls.set(this.calls.get() * 10 + 1);
		}

	}

	/** An endpoint on a loopback port that nothing listens on. */
	private static String closedEndpoint() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return "http://127.0.0.1:" + socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
