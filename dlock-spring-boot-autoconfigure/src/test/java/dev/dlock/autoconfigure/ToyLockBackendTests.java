package dev.dlock.autoconfigure;

import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.etcd.EtcdLockBackend;
import dev.dlock.spi.LockBackend;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fifth, toy backend added by one table entry and one configuration class is named,
 * detected in its place and explained like the others.
 */
class ToyLockBackendTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class));

	@Test
	void toyIsUsedWhenNamed() {
		this.runner.withPropertyValues("dlock.backend=toy").run((context) -> {
			assertThat(context).hasSingleBean(LockBackend.class).hasBean("toyLockBackend");
			context.getBean(LockManager.class).tryAcquire("a", LockMode.EX).orElseThrow().release();
		});
	}

	@Test
	void toyIsDetectedFromItsProperty() {
		this.runner.withPropertyValues("dlock.toy.url=toy://here")
			.run((context) -> assertThat(context).hasSingleBean(LockBackend.class).hasBean("toyLockBackend"));
	}

	@Test
	void toySettingsAreBound() {
		this.runner.withPropertyValues("dlock.backend=toy", "dlock.toy.url=http://elsewhere")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("must start with toy://"));
	}

	@Test
	void toyIsDetectedAfterTheBackendsBeforeIt() {
		this.runner.withPropertyValues("dlock.toy.url=toy://here", "dlock.etcd.endpoints=http://127.0.0.1:2379")
			.run((context) -> assertThat(context).hasSingleBean(EtcdLockBackend.class).doesNotHaveBean("toyLockBackend"));
	}

	@Test
	void startUpWithoutBackendExplainsTheToy() {
		this.runner.run((context) -> {
			FailureAnalysis analysis = new NoLockBackendFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).containsSubsequence("- nats: ",
					"- toy: dlock.backend is not set and there is no bean of type com.example.toy.ToyClient "
							+ "and no dlock.toy.url",
					"- memory: ");
			assertThat(analysis.getAction()).contains("one of redis, etcd, nats, toy, memory")
				.contains("- toy: set dlock.toy.url (a toy backend: in-memory locks)");
		});
	}

}
