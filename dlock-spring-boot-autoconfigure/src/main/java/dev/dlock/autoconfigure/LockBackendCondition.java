package dev.dlock.autoconfigure;

import java.util.List;

import dev.dlock.autoconfigure.DlockProperties.Backend;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.core.type.ClassMetadata;
import org.springframework.util.ClassUtils;

/**
 * Matches a lock backend configuration when {@code dlock.backend} names its backend, or,
 * when {@code dlock.backend} is not set, when the backend's connection is configured (a
 * client bean, a connection details bean or connection properties), as the backend's
 * entry in the table {@link Backend} says. The in-memory backend matches only when named. Evaluated when
 * beans are registered, after the auto-configurations of the clients.
 */
class LockBackendCondition extends SpringBootCondition implements ConfigurationCondition {

	@Override
	public ConfigurationPhase getConfigurationPhase() {
		return ConfigurationPhase.REGISTER_BEAN;
	}

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Backend backend = backendOf(((ClassMetadata) metadata).getClassName());
		LockBackendDetection detection = backend.detection();
		String name = backend.value();
		Binder binder = Binder.get(context.getEnvironment());
		Backend chosen = binder.bind("dlock.backend", Backend.class).orElse(null);
		boolean clientBean = hasBean(context, detection.clientBean());
		if (chosen != null && chosen != backend) {
			return ConditionOutcome.noMatch(ConditionMessage.of("dlock.backend is " + chosen.value()));
		}
		if (chosen != null) {
			if (detection.clientBeanRequired() && !clientBean) {
				return ConditionOutcome.noMatch(ConditionMessage.of(
						"dlock.backend is " + name + " but no bean of type " + detection.clientBean() + " is defined"));
			}
			return ConditionOutcome.match(ConditionMessage.of("dlock.backend is " + name));
		}
		String notDetected = detection.notDetected();
		if (notDetected != null) {
			return ConditionOutcome.noMatch(ConditionMessage.of(notDetected));
		}
		if (clientBean) {
			return ConditionOutcome.match(ConditionMessage.of("found a bean of type " + detection.clientBean()));
		}
		if (hasBean(context, detection.connectionDetailsBean())) {
			return ConditionOutcome
				.match(ConditionMessage.of("found a bean of type " + detection.connectionDetailsBean()));
		}
		for (String property : detection.properties()) {
			if (!binder.bind(property, Bindable.listOf(String.class)).orElse(List.of()).isEmpty()) {
				return ConditionOutcome.match(ConditionMessage.of(property + " is set"));
			}
		}
		StringBuilder missing = new StringBuilder("dlock.backend is not set and there is no bean of type ")
			.append(detection.clientBean());
		if (detection.connectionDetailsBean() != null) {
			missing.append(" or ").append(detection.connectionDetailsBean());
		}
		if (!detection.properties().isEmpty()) {
			missing.append(" and no ").append(String.join(" or ", detection.properties()));
		}
		return ConditionOutcome.noMatch(ConditionMessage.of(missing.toString()));
	}

	private static Backend backendOf(String configurationClass) {
		for (Backend backend : Backend.values()) {
			if (backend.configurationClass().equals(configurationClass)) {
				return backend;
			}
		}
		throw new IllegalStateException("Unknown lock backend configuration " + configurationClass);
	}

	private static boolean hasBean(ConditionContext context, @Nullable String type) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		if (type == null || beanFactory == null || !ClassUtils.isPresent(type, context.getClassLoader())) {
			return false;
		}
		Class<?> beanType = ClassUtils.resolveClassName(type, context.getClassLoader());
		return beanFactory.getBeanNamesForType(beanType, true, false).length > 0;
	}

}
