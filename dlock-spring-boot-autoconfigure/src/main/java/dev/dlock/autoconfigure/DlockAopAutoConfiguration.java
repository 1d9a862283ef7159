package dev.dlock.autoconfigure;

import dev.dlock.LockManager;
import dev.dlock.spring.aop.DistributedLockAdvisor;
import dev.dlock.spring.aop.DistributedLockInterceptor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} for the {@link dev.dlock.annotation.DistributedLock
 * &#64;DistributedLock} interceptor: an infrastructure advisor, and an auto-proxy creator if
 * the application has none yet. No AspectJ weaver is needed.
 * <p>
 * Its beans are static and read their settings from the environment, so that creating
 * them early (advisors are looked up while bean post-processors are created) creates no
 * other beans; the lock manager is looked up at the first call.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = DlockAutoConfiguration.class,
		afterName = "org.springframework.boot.autoconfigure.aop.AopAutoConfiguration")
@ConditionalOnBooleanProperty(name = "dlock.enabled", matchIfMissing = true)
@Import(DlockAutoProxyRegistrar.class)
public final class DlockAopAutoConfiguration {

	DlockAopAutoConfiguration() {
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	static DistributedLockInterceptor distributedLockInterceptor(ObjectProvider<LockManager> lockManager,
			Environment environment) {
		DistributedLockInterceptor interceptor = new DistributedLockInterceptor(lockManager::getObject);
		interceptor.setDefaultWaitTime(properties(environment).getWaitTime());
		return interceptor;
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	static DistributedLockAdvisor distributedLockAdvisor(DistributedLockInterceptor distributedLockInterceptor,
			Environment environment) {
		DistributedLockAdvisor advisor = new DistributedLockAdvisor(distributedLockInterceptor);
		advisor.setOrder(properties(environment).getAop().getOrder());
		return advisor;
	}

	private static DlockProperties properties(Environment environment) {
		return Binder.get(environment).bindOrCreate("dlock", DlockProperties.class);
	}

}
