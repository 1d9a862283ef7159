package dev.dlock.autoconfigure;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.dlock.LockManager;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.autoconfigure.DlockProperties.Backend;
import dev.dlock.observation.LockAcquisitionConvention;
import dev.dlock.observation.LockBlockingConvention;
import dev.dlock.observation.LockConversionConvention;
import dev.dlock.observation.LockHoldConvention;
import dev.dlock.observation.LockRenewalConvention;
import dev.dlock.spi.LockBackend;
import dev.dlock.spring.lifecycle.LockManagerLifecycle;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport.ConditionAndOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport.ConditionAndOutcomes;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportSelector;
import org.springframework.core.type.AnnotationMetadata;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} for dlock's {@link LockManager} and its {@link LockBackend}.
 * <p>
 * The backend is the one that {@code dlock.backend} names or, when that is not set, the
 * first of Redis, etcd and NATS whose client is on the class path and whose connection
 * is configured. The in-memory backend is used only when named. Without a backend the
 * application fails to start, with a report of why each backend was not used. The
 * backends, their order and their configuration classes come from one table,
 * {@link Backend}.
 * <p>
 * The lock manager reports the {@code dlock.acquire}, {@code dlock.hold},
 * {@code dlock.convert}, {@code dlock.renew} and {@code dlock.blocking} observations to
 * the application's {@link ObservationRegistry}, with the conventions defined as beans, if
 * any.
 * <p>
 * The lock manager is closed while the context stops, by a {@link LockManagerLifecycle}
 * whose phase comes before the clients of every backend are stopped, so that a graceful
 * shutdown hands its locks to other instances at once.
 *
 * @since 0.1.0
 */
@AutoConfiguration(afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "dlock.enabled", matchIfMissing = true)
@EnableConfigurationProperties(DlockProperties.class)
@Import(DlockAutoConfiguration.LockBackendConfigurationImportSelector.class)
public final class DlockAutoConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(DlockAutoConfiguration.class);

	DlockAutoConfiguration() {
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	LockManager lockManager(ObjectProvider<LockBackend> lockBackend, DlockProperties properties,
			ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<LockAcquisitionConvention> acquisitionConvention,
			ObjectProvider<LockHoldConvention> holdConvention, ObjectProvider<LockRenewalConvention> renewalConvention,
			ObjectProvider<LockConversionConvention> conversionConvention,
			ObjectProvider<LockBlockingConvention> blockingConvention,
			ObjectProvider<LockManagerBuilderCustomizer> customizers, ConfigurableListableBeanFactory beanFactory) {
		LockBackend backend = lockBackend.getIfAvailable();
		if (backend == null) {
			throw new NoLockBackendException(properties.getBackend(), reasons(beanFactory));
		}
		LockManagerBuilder builder = LockManagerBuilder.forBackend(backend).leaseTime(properties.getLeaseTime());
		if (properties.getRenewal().getInterval() != null) {
			builder.renewalInterval(properties.getRenewal().getInterval());
		}
		observationRegistry.ifUnique(builder::observationRegistry);
		acquisitionConvention.ifUnique(builder::acquisitionConvention);
		holdConvention.ifUnique(builder::holdConvention);
		renewalConvention.ifUnique(builder::renewalConvention);
		conversionConvention.ifUnique(builder::conversionConvention);
		blockingConvention.ifUnique(builder::blockingConvention);
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		logger.info("dlock uses the {} lock backend", backend.name());
		return builder.build();
	}

	@Bean
	@ConditionalOnMissingBean
	LockManagerLifecycle lockManagerLifecycle(LockManager lockManager) {
		return new LockManagerLifecycle(lockManager);
	}

	private static Map<Backend, String> reasons(ConfigurableListableBeanFactory beanFactory) {
		ConditionEvaluationReport report = ConditionEvaluationReport.find(beanFactory);
		Map<Backend, String> reasons = new LinkedHashMap<>();
		for (Backend backend : Backend.values()) {
			String source = backend.configurationClass();
			ConditionAndOutcomes outcomes = (report != null) ? report.getConditionAndOutcomesBySource().get(source)
					: null;
			String reason = (outcomes != null) ? outcomes.stream()
				.map(ConditionAndOutcome::getOutcome)
				.filter((outcome) -> !outcome.isMatch())
				.map(ConditionOutcome::getMessage)
				.findFirst()
				.orElse("its configuration matched, but it created no LockBackend bean") : "not available";
			reasons.put(backend, reason);
		}
		return reasons;
	}

	/**
	 * Imports the configuration class of every backend in {@link Backend}, in the order in
	 * which backends are detected: when several match, the first registers the
	 * {@link LockBackend}.
	 */
	static final class LockBackendConfigurationImportSelector implements ImportSelector {

		@Override
		public String[] selectImports(AnnotationMetadata importingClassMetadata) {
			return Arrays.stream(Backend.values()).map(Backend::configurationClass).toArray(String[]::new);
		}

	}

}
