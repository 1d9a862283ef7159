package dev.dlock.spring.aop;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Looks at a lock from a fresh thread, so that the test thread's own holds (which would
 * be re-entered) do not count.
 */
public final class LockProbe {

	private final LockManager lockManager;

	/**
	 * Creates a probe.
	 * @param lockManager the lock manager to ask
	 */
	public LockProbe(LockManager lockManager) {
		this.lockManager = lockManager;
	}

	/**
	 * Checks that the lock manager works end to end: a lock taken is seen as held from
	 * another thread, and free again (eventually: release is asynchronous) once released.
	 */
	public void assertLocksAndReleases() {
		String key = "probe:" + UUID.randomUUID();
		try (LockHandle handle = this.lockManager.tryAcquire(key, LockMode.EX).orElseThrow()) {
			assertThat(handle.isValid()).isTrue();
			assertThat(isHeld(key)).isTrue();
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> !isHeld(key));
	}

	/**
	 * Acquires a lock on another thread, so that the test thread does not re-enter it.
	 * @param key the key
	 * @param mode the mode
	 * @return the lock; the test releases it
	 * @throws IllegalStateException if the lock is busy
	 */
	public LockHandle hold(String key, LockMode mode) {
		return onAnotherThread(() -> this.lockManager.tryAcquire(key, mode)
			.orElseThrow(() -> new IllegalStateException("'" + key + "' is busy")));
	}

	/**
	 * Whether someone holds {@code key} in a mode that conflicts with EX.
	 * @param key the key
	 * @return {@code true} if an exclusive lock could not be taken at once
	 */
	public boolean isHeld(String key) {
		return !canAcquire(key, LockMode.EX);
	}

	/**
	 * Whether {@code key} could be acquired in {@code mode} at once by another thread;
	 * a lock taken to find out is released at once.
	 * @param key the key
	 * @param mode the mode
	 * @return {@code true} if it could
	 */
	public boolean canAcquire(String key, LockMode mode) {
		return onAnotherThread(() -> {
			Optional<LockHandle> handle = this.lockManager.tryAcquire(key, mode);
			handle.ifPresent(LockHandle::release);
			return handle.isPresent();
		});
	}

	private static <T> T onAnotherThread(Supplier<T> task) {
		return CompletableFuture.supplyAsync(task, (runnable) -> new Thread(runnable, "lock-probe").start()).join();
	}

}
