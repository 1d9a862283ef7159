package dev.dlock.engine;

import java.util.EnumSet;
import java.util.Set;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.BackendCapability;
import dev.dlock.tck.ForwardingLockBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A backend that does not declare {@link BackendCapability#BLOCKING_NOTIFICATIONS} gets a
 * clear refusal of blocking listeners, as the README says.
 */
class BlockingCapabilityTests {

	@Test
	void aBackendWithoutTheCapabilityRefusesBlockingListeners() {
		InMemoryLockBackend memory = InMemoryLockBackend.create();
		ForwardingLockBackend withoutNotifications = new ForwardingLockBackend(memory) {
			@Override
			public Set<BackendCapability> capabilities() {
				Set<BackendCapability> fewer = EnumSet.copyOf(super.capabilities());
				fewer.remove(BackendCapability.BLOCKING_NOTIFICATIONS);
				return fewer;
			}
		};
		try (LockManager manager = LockManagerBuilder.forBackend(withoutNotifications).build();
				LockHandle handle = manager.tryAcquire("refused", LockMode.PR).orElseThrow()) {
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> handle.onBlocking((mode) -> {
				}))
				.withMessageContaining("cannot tell a holder what it blocks");
		}
		finally {
			memory.close();
		}
	}

}
