package dev.dlock.autoconfigure.endpoint;

import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.spring.endpoint.DlockEndpoint;
import dev.dlock.spring.endpoint.DlockEndpoint.LockDescriptor;
import dev.dlock.spring.endpoint.DlockEndpoint.LocksDescriptor;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of {@link DlockEndpointAutoConfiguration} and {@link DlockEndpoint}.
 */
class DlockEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, EndpointAutoConfiguration.class,
				DlockEndpointAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void absentUnlessExposed() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(LockManager.class)
			.doesNotHaveBean(DlockEndpoint.class));
	}

	@Test
	void listsHeldLocksWithMaskedKeysByDefault() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=dlock").run((context) -> {
			String key = "customer-" + UUID.randomUUID();
			try (LockHandle handle = context.getBean(LockManager.class).tryAcquire(key, LockMode.PW).orElseThrow()) {
				LocksDescriptor answer = context.getBean(DlockEndpoint.class).locks();
				assertThat(answer.keysMasked()).isTrue();
				assertThat(answer.locks()).hasSize(1);
				LockDescriptor lock = answer.locks().get(0);
				assertThat(lock.key()).isEqualTo(DlockEndpoint.mask(key)).matches("sha256:[0-9a-f]{12}");
				assertThat(lock.mode()).isEqualTo("PW");
				assertThat(lock.state()).isEqualTo("HELD");
				assertThat(lock.fencingToken()).isEqualTo(handle.fencingToken());
				assertThat(lock.heldFor()).isNotNull();
				assertThat(lock.waitingFor()).isNull();
				assertThat(lock.leaseLeft()).isPositive();
			}
			assertThat(context.getBean(DlockEndpoint.class).locks().locks()).isEmpty();
		});
	}

	@Test
	void showsKeysWhenMaskingIsOff() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=dlock", "dlock.endpoint.mask-keys=false")
			.run((context) -> {
				String key = "plain-" + UUID.randomUUID();
				try (LockHandle handle = context.getBean(LockManager.class).tryAcquire(key, LockMode.EX).orElseThrow()) {
					LocksDescriptor answer = context.getBean(DlockEndpoint.class).locks();
					assertThat(answer.keysMasked()).isFalse();
					assertThat(answer.locks()).extracting(LockDescriptor::key).containsExactly(key);
				}
			});
	}

	@Test
	void maskIsStableAndShort() {
		assertThat(DlockEndpoint.mask("orders:42")).isEqualTo(DlockEndpoint.mask("orders:42"))
			.isNotEqualTo(DlockEndpoint.mask("orders:43"))
			.hasSize("sha256:".length() + 12);
	}

}
