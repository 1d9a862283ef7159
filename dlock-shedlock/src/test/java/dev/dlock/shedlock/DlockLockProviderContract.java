package dev.dlock.shedlock;

import java.time.Duration;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.spi.LockBackend;
import dev.dlock.testserver.TestBackends;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.test.support.AbstractExtensibleLockProviderIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ShedLock's own contract for extensible lock providers
 * ({@code shedlock-test-support}), run against {@link DlockLockProvider} on one backend.
 * Whether a lock is held is checked by another lock manager on a backend of its own, as
 * another process would see it; that manager is closed after each check, which waits
 * until the backend confirmed its releases, so that its probe never blocks the test's
 * next lock.
 */
abstract class DlockLockProviderContract extends AbstractExtensibleLockProviderIntegrationTest {

	private TestBackends backends;

	private LockManager lockManager;

	private DlockLockProvider lockProvider;

	private LockBackend observer;

	/**
	 * The backends of one test, in a namespace of their own.
	 * @return new backends
	 */
	protected abstract TestBackends createBackends();

	@BeforeEach
	void createProvider() {
		this.backends = createBackends();
		this.lockManager = TestBackends.lockManager(this.backends.backend());
		this.lockProvider = new DlockLockProvider(this.lockManager);
		this.observer = this.backends.backend();
	}

	@AfterEach
	void closeProvider() throws Exception {
		this.lockProvider.close();
		this.lockManager.close();
		this.backends.close();
	}

	@Override
	protected ExtensibleLockProvider getLockProvider() {
		return this.lockProvider;
	}

	@Override
	protected void assertLocked(String lockName) {
		try (LockManager probe = TestBackends.lockManager(this.observer)) {
			assertThat(probe.tryAcquire(lockName, LockMode.EX)).as("lock '%s' taken by another process", lockName)
				.isEmpty();
		}
	}

	/**
	 * The provider releases in the background (and the timer at {@code lockAtMostFor}), so
	 * the lock is free a moment later, not at once.
	 */
	@Override
	protected void assertUnlocked(String lockName) {
		try (LockManager probe = TestBackends.lockManager(this.observer)) {
			await().atMost(Duration.ofSeconds(5))
				.until(() -> probe.tryAcquire(lockName, LockMode.EX).map(DlockLockProviderContract::release).orElse(false));
		}
	}

	private static boolean release(LockHandle handle) {
		handle.release();
		return true;
	}

}
