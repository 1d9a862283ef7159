package dev.dlock.spring.aop;

import java.lang.reflect.Method;
import java.util.Objects;

import org.aopalliance.aop.Advice;

import org.springframework.aop.ClassFilter;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.Ordered;

/**
 * The advisor that applies {@link DistributedLockInterceptor} to
 * {@link dev.dlock.annotation.DistributedLock @DistributedLock} methods, and to the
 * public methods of annotated types. Register it as a bean with the infrastructure role
 * next to an auto-proxy creator; no AspectJ weaver is needed.
 * <p>
 * Its pointcut parses the annotations of a bean's class when the bean is created, so an
 * invalid annotation (a bad key expression, an unknown placeholder, a duration that does
 * not parse) fails the application's start-up.
 * <p>
 * The {@linkplain #DEFAULT_ORDER default order} puts the lock outside
 * {@code @Transactional}: the lock is acquired before the transaction begins and released
 * after it commits or rolls back, so the next holder sees the committed data.
 *
 * @since 0.1.0
 */
public class DistributedLockAdvisor extends AbstractPointcutAdvisor {

	/**
	 * The default order: ahead of advisors with the lowest precedence, such as the
	 * transaction advisor of {@code @EnableTransactionManagement} and Spring Boot.
	 */
	public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

	private final DistributedLockInterceptor interceptor;

	private final Pointcut pointcut;

	/**
	 * Creates an advisor with the {@linkplain #DEFAULT_ORDER default order}.
	 * @param interceptor the interceptor to apply
	 */
	public DistributedLockAdvisor(DistributedLockInterceptor interceptor) {
		this.interceptor = Objects.requireNonNull(interceptor, "'interceptor' must not be null");
		this.pointcut = new DistributedLockPointcut(interceptor.specs());
		setOrder(DEFAULT_ORDER);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.interceptor;
	}

	/**
	 * Matches the methods that have a lock spec; parses all specs of a class at once.
	 */
	private static final class DistributedLockPointcut extends StaticMethodMatcherPointcut {

		private final LockSpecSource specs;

		DistributedLockPointcut(LockSpecSource specs) {
			this.specs = specs;
			setClassFilter(new LockedClassFilter(specs));
		}

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			return this.specs.find(method, targetClass) != null;
		}

	}

	private record LockedClassFilter(LockSpecSource specs) implements ClassFilter {

		@Override
		public boolean matches(Class<?> clazz) {
			return this.specs.hasLocks(clazz);
		}

	}

}
