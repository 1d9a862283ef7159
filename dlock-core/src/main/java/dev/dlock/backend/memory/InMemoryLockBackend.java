package dev.dlock.backend.memory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;

/**
 * A lock backend that lives in this JVM: all six modes, the fair queue, leases that run
 * out when a session stops renewing, and fencing tokens. Locks are not shared with other
 * processes, and a restart forgets them.
 * <p>
 * Thread-safe. Tests can pass a clock they advance, so that lease expiry needs no
 * sleeping.
 *
 * @since 0.1.0
 */
public final class InMemoryLockBackend implements LockBackend {

	private final MemoryLockTable table;

	private InMemoryLockBackend(LongSupplier clock) {
		this.table = new MemoryLockTable(clock);
	}

	/**
	 * Creates a backend on the system's monotonic clock.
	 * @return a new, empty backend
	 */
	public static InMemoryLockBackend create() {
		return builder().build();
	}

	/**
	 * Starts building a backend.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	@Override
	public String name() {
		return "memory";
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		return new MemoryLockSession(this.table, leaseTime);
	}

	@Override
	public CompletableFuture<BackendHealth> health() {
		return CompletableFuture.completedFuture(BackendHealth.up(Duration.ZERO, Map.of()));
	}

	@Override
	public Set<BackendCapability> capabilities() {
		return Set.of(BackendCapability.OWN_REMOVALS_FIRST);
	}

	/**
	 * The number of resources that have live entries; for tests that check nothing is
	 * left behind.
	 * @return the count
	 */
	public int resourceCount() {
		return this.table.resourceCount();
	}

	@Override
	public void close() {
	}

	/**
	 * Builds an {@link InMemoryLockBackend}.
	 */
	public static final class Builder {

		private LongSupplier clock = System::nanoTime;

		private Builder() {
		}

		/**
		 * The clock the backend expires leases by, in nanoseconds, as
		 * {@link System#nanoTime()}; tests pass one they advance.
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(LongSupplier clock) {
			this.clock = Objects.requireNonNull(clock, "'clock' must not be null");
			return this;
		}

		/**
		 * Builds the backend.
		 * @return a new, empty backend
		 */
		public InMemoryLockBackend build() {
			return new InMemoryLockBackend(this.clock);
		}

	}

}
