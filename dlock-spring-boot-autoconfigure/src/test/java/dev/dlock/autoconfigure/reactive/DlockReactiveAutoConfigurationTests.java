package dev.dlock.autoconfigure.reactive;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.reactive.ReactiveLockManager;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotatedElementUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@link DlockReactiveAutoConfiguration}: one change per test.
 */
class DlockReactiveAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockReactiveAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void reactiveLockManagerWorksOverTheLockManagerBean() {
		this.runner.run((context) -> {
			ReactiveLockManager reactive = context.getBean(ReactiveLockManager.class);
			LockManager lockManager = context.getBean(LockManager.class);
			StepVerifier.create(reactive.usingLock("order:42", LockMode.EX, (handle) -> Mono.just(lockManager.locks())))
				.assertNext((locks) -> assertThat(locks).singleElement()
					.satisfies((lock) -> assertThat(lock.key()).isEqualTo("order:42")))
				.expectComplete()
				.verify(Duration.ofSeconds(5));
		});
	}

	@Test
	void usingLockWithoutOptionsWaitsForTheConfiguredWaitTime() {
		this.runner.withPropertyValues("dlock.wait-time=100ms").run((context) -> {
			LockHandle held = context.getBean(LockManager.class).tryAcquire("order:42", LockMode.EX).orElseThrow();
			StepVerifier
				.create(context.getBean(ReactiveLockManager.class)
					.usingLock("order:42", LockMode.EX, (handle) -> Mono.just("never")))
				.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOf(LockAcquisitionTimeoutException.class)
					.hasMessageEndingWith("within " + Duration.ofMillis(100)))
				.verify(Duration.ofSeconds(5));
			held.release();
		});
	}

	@Test
	void backsOffWithoutReactor() {
		this.runner.withClassLoader(new FilteredClassLoader(Mono.class))
			.run((context) -> assertThat(context).hasSingleBean(LockManager.class)
				.doesNotHaveBean(ReactiveLockManager.class));
	}

	@Test
	void backsOffWithoutALockManager() {
		this.runner.withPropertyValues("dlock.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LockManager.class)
				.doesNotHaveBean(ReactiveLockManager.class));
	}

	@Test
	void backsOffForAUserReactiveLockManager() {
		this.runner.withUserConfiguration(UserReactiveLockManager.class)
			.run((context) -> assertThat(context.getBean(ReactiveLockManager.class))
				.isSameAs(context.getBean(UserReactiveLockManager.class).reactive));
	}

	@Test
	void wrapsAUserLockManager() {
		this.runner.withUserConfiguration(UserLockManager.class).run((context) -> {
			LockManager userManager = context.getBean(LockManager.class);
			StepVerifier.create(context.getBean(ReactiveLockManager.class).tryAcquire("k", LockMode.EX))
				.assertNext((handle) -> {
					assertThat(userManager.locks()).hasSize(1);
					handle.release();
				})
				.expectComplete()
				.verify(Duration.ofSeconds(5));
		});
	}

	@Test
	void isRegisteredAndEveryBeanBacksOff() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).getCandidates())
			.contains(DlockReactiveAutoConfiguration.class.getName());
		Method[] methods = DlockReactiveAutoConfiguration.class.getDeclaredMethods();
		assertThat(Arrays.stream(methods).filter((method) -> AnnotatedElementUtils.hasAnnotation(method, Bean.class)))
			.isNotEmpty()
			.allMatch((method) -> AnnotatedElementUtils.hasAnnotation(method, ConditionalOnMissingBean.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserReactiveLockManager {

		final ReactiveLockManager reactive = ReactiveLockManager
			.of(LockManagerBuilder.forBackend(InMemoryLockBackend.create()).build());

		@Bean
		ReactiveLockManager userReactiveLockManager() {
			return this.reactive;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserLockManager {

		@Bean(destroyMethod = "close")
		LockManager userLockManager() {
			return LockManagerBuilder.forBackend(InMemoryLockBackend.create()).build();
		}

	}

}
