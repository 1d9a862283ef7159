package dev.dlock.tck;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short check that two managers see each other's locks, for backends set up in a
 * special way (TLS, credentials): a protected write excludes an exclusive request and
 * admits a concurrent read, and once released the exclusive request is granted.
 *
 * @since 0.1.0
 */
public final class SharedAndExclusive {

	private SharedAndExclusive() {
	}

	/**
	 * Runs the check with two backends of their own, each under its own manager, on a new
	 * key, and checks that the first reports itself healthy; closes all of them.
	 * @param backends makes a backend set up the special way
	 * @param wait how long the final exclusive request may wait
	 * @throws Exception if interrupted, or if the health check fails to complete
	 */
	public static void checkBackends(Supplier<? extends LockBackend> backends, Duration wait) throws Exception {
		try (LockBackend first = backends.get(); LockBackend second = backends.get();
				LockManager holder = LockManagerBuilder.forBackend(first).build();
				LockManager other = LockManagerBuilder.forBackend(second).build()) {
			check(holder, other, "check-" + UUID.randomUUID(), wait);
			assertThat(first.health().get().up()).as("health of a backend that works").isTrue();
		}
	}

	/**
	 * Runs the check on a key that nobody else uses.
	 * @param holder the manager that takes the protected write
	 * @param other the manager that asks for the exclusive lock and the concurrent read
	 * @param key the lock key
	 * @param wait how long the final exclusive request may wait
	 * @throws InterruptedException if interrupted while waiting
	 */
	public static void check(LockManager holder, LockManager other, String key, Duration wait)
			throws InterruptedException {
		LockHandle held = holder.acquire(key, LockMode.PW, wait);
		assertThat(other.tryAcquire(key, LockMode.EX)).as("EX while PW is held").isEmpty();
		other.tryAcquire(key, LockMode.CR).orElseThrow(() -> new AssertionError("CR while PW is held")).release();
		held.release();
		other.acquire(key, LockMode.EX, wait).release();
	}

}
