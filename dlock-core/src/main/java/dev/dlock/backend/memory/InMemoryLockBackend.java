package dev.dlock.backend.memory;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.support.Durations;
import dev.dlock.support.TimeSource;
import org.jspecify.annotations.Nullable;

/**
 * A lock backend that lives in this JVM: all six modes, the fair queue, leases that run
 * out when a session stops renewing, and fencing tokens. Locks are not shared with other
 * processes, and a restart forgets them.
 * <p>
 * Thread-safe. Tests can pass a time source they advance, so that lease expiry needs no
 * sleeping.
 *
 * @since 0.1.0
 */
public final class InMemoryLockBackend implements LockBackend {

	private final MemoryLockTable table;

	private final TimeSource.@Nullable Owned ownedTime;

	private InMemoryLockBackend(@Nullable TimeSource time, Duration valueRetention) {
		// the table reads the clock, and uses the timer only to drop values past retention
		this.ownedTime = (time != null) ? null : TimeSource.system("dlock-memory-timer");
		this.table = new MemoryLockTable((time != null) ? time : this.ownedTime, valueRetention);
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
		return Set.of(BackendCapability.OWN_REMOVALS_FIRST, BackendCapability.CONVERSION,
				BackendCapability.BLOCKING_NOTIFICATIONS, BackendCapability.VALUE_BLOCKS);
	}

	/**
	 * The number of resources that have live entries; for tests that check nothing is
	 * left behind.
	 * @return the count
	 */
	public int resourceCount() {
		return this.table.resourceCount();
	}

	/**
	 * The number of resources whose value block the backend keeps (written or marked
	 * invalid, within the retention time); for tests that check nothing is left behind.
	 * @return the count
	 */
	public int valueCount() {
		return this.table.valueCount();
	}

	@Override
	public void close() {
		if (this.ownedTime != null) {
			this.ownedTime.close();
		}
	}

	/**
	 * Builds an {@link InMemoryLockBackend}.
	 */
	public static final class Builder {

		/** How long a value block outlives its last write by default. */
		public static final Duration DEFAULT_VALUE_RETENTION = Duration.ofDays(1);

		private @Nullable TimeSource timeSource;

		private Duration valueRetention = DEFAULT_VALUE_RETENTION;

		private Builder() {
		}

		/**
		 * How long a key's value block (DESIGN.md §12) is kept after its last write, or
		 * after a lost writer marked it invalid; a day by default. Then it reads as
		 * {@link dev.dlock.LockValue#NONE} and takes no memory.
		 * @param valueRetention the retention time; positive
		 * @return this builder
		 */
		public Builder valueRetention(Duration valueRetention) {
			this.valueRetention = Durations.positive(valueRetention, "valueRetention");
			return this;
		}

		/**
		 * The time the backend expires leases by; by default the system's monotonic
		 * clock. Tests pass one they advance.
		 * @param timeSource the time source
		 * @return this builder
		 */
		public Builder timeSource(TimeSource timeSource) {
			this.timeSource = Objects.requireNonNull(timeSource, "'timeSource' must not be null");
			return this;
		}

		/**
		 * Builds the backend.
		 * @return a new, empty backend
		 */
		public InMemoryLockBackend build() {
			return new InMemoryLockBackend(this.timeSource, this.valueRetention);
		}

	}

}
