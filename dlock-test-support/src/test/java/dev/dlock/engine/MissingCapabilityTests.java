package dev.dlock.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.BackendCapability;
import dev.dlock.tck.ForwardingLockBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A backend that does not declare an optional capability gets a clear refusal of what
 * needs it, as the README says: {@link BackendCapability#BLOCKING_NOTIFICATIONS} for
 * blocking listeners, {@link BackendCapability#VALUE_BLOCKS} for value blocks. Each check
 * fails if the engine's capability check goes, since the memory backend would then serve.
 */
class MissingCapabilityTests {

	private final InMemoryLockBackend memory = InMemoryLockBackend.create();

	@AfterEach
	void close() {
		this.memory.close();
	}

	@Test
	void aBackendWithoutBlockingNotificationsRefusesBlockingListeners() throws Exception {
		try (LockManager manager = LockManagerBuilder.forBackend(without(BackendCapability.BLOCKING_NOTIFICATIONS))
			.build(); LockHandle handle = manager.acquire("refused", LockMode.PR, Duration.ofSeconds(5))) {
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> handle.onBlocking((mode) -> {
				}))
				.withMessageContaining("cannot tell a holder what it blocks");
		}
	}

	@Test
	void aBackendWithoutValueBlocksRefusesValues() throws Exception {
		try (LockManager manager = LockManagerBuilder.forBackend(without(BackendCapability.VALUE_BLOCKS)).build();
				LockHandle handle = manager.acquire("refused", LockMode.EX, Duration.ofSeconds(5))) {
			assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(handle::value)
				.withMessageContaining("keeps no lock values");
			assertThatExceptionOfType(UnsupportedOperationException.class)
				.isThrownBy(() -> handle.setValue("v".getBytes(StandardCharsets.UTF_8)))
				.withMessageContaining("keeps no lock values");
		}
	}

	/** The memory backend, declaring every capability it has but one. */
	private ForwardingLockBackend without(BackendCapability missing) {
		return new ForwardingLockBackend(this.memory) {
			@Override
			public Set<BackendCapability> capabilities() {
				Set<BackendCapability> fewer = EnumSet.copyOf(super.capabilities());
				fewer.remove(missing);
				return fewer;
			}
		};
	}

}
