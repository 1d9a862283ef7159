package dev.dlock.tck;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.reactive.ReactiveLockManager;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static dev.dlock.tck.LockBackendConformanceKit.awaitGrantable;
import static dev.dlock.tck.LockBackendConformanceKit.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The checks of {@link ReactiveLockManager}, with {@code StepVerifier}, run for every
 * backend as the kit's nested {@code Reactive} class.
 * <p>
 * What the server holds is seen through other clients' requests, which the server
 * decides: a waiting {@code EX} request (or a pending conversion to {@code EX}) keeps out
 * a later {@code PR} request on the same key, so a later {@code PR} request that is
 * granted at once proves the {@code EX} request is no longer on the server; an {@code EX}
 * request granted at once proves nothing is held.
 *
 * @since 0.1.0
 */
public abstract class ReactiveConformance {

	private static final Duration VERIFY = Duration.ofSeconds(20);

	private static final Duration WAIT = Duration.ofSeconds(30);

	/**
	 * Makes a manager on a new client, closed after the test.
	 * @return the manager
	 */
	protected abstract LockManager newManager();

	private ReactiveLockManager newReactiveManager() {
		return ReactiveLockManager.of(newManager());
	}

	@Test
	void acquireEmitsTheGrantedLockThatTheCallerReleases() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager probe = newManager();
		String key = newKey();
		LockHandle handle = locks.acquire(key, LockMode.EX, WAIT).block(VERIFY);
		assertThat(handle).isNotNull();
		assertThat(handle.isValid()).isTrue();
		assertThat(handle.mode()).isEqualTo(LockMode.EX);
		awaitGrantable(probe, key, LockMode.CR, false);
		handle.release();
		awaitGrantable(probe, key, LockMode.EX, true);
	}

	@Test
	void acquireWaitsForTheHolderAndIsGrantedOnRelease() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager holder = newManager();
		LockManager probe = newManager();
		String key = newKey();
		LockHandle held = holder.tryAcquire(key, LockMode.EX).orElseThrow();
		StepVerifier.create(locks.acquire(key, LockMode.PW, WAIT))
			.expectSubscription()
			.then(held::release)
			.assertNext((handle) -> {
				assertThat(handle.mode()).isEqualTo(LockMode.PW);
				assertThat(handle.fencingToken()).isGreaterThan(held.fencingToken());
				handle.release();
			})
			.expectComplete()
			.verify(VERIFY);
		awaitGrantable(probe, key, LockMode.EX, true);
	}

	@Test
	void tryAcquireEmitsTheLockWhenTheKeyIsFree() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager probe = newManager();
		String key = newKey();
		StepVerifier.create(locks.tryAcquire(key, LockMode.PW))
			.assertNext((handle) -> {
				assertThat(handle.isValid()).isTrue();
				assertThat(LockBackendConformanceKit.grantsAtOnce(probe, key, LockMode.PR)).isFalse();
				handle.release();
			})
			.expectComplete()
			.verify(VERIFY);
		awaitGrantable(probe, key, LockMode.EX, true);
	}

	@Test
	void tryAcquireCompletesEmptyWhenBusyAndLeavesNoTrace() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager reader = newManager();
		LockManager secondReader = newManager();
		String key = newKey();
		LockHandle read = reader.tryAcquire(key, LockMode.PR).orElseThrow();
		StepVerifier.create(locks.tryAcquire(key, LockMode.EX)).expectComplete().verify(VERIFY);
		// a trace of the EX try would queue the next reader behind it
		assertThat(LockBackendConformanceKit.grantsAtOnce(secondReader, key, LockMode.PR)).isTrue();
		read.release();
	}

	@Test
	void acquireFailsWithATimeoutWhenTheWaitTimeRunsOutAndWithdrawsTheRequest() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager reader = newManager();
		LockManager secondReader = newManager();
		String key = newKey();
		LockHandle read = reader.tryAcquire(key, LockMode.PR).orElseThrow();
		StepVerifier.create(locks.acquire(key, LockMode.EX, Duration.ofMillis(300)))
			.expectError(LockAcquisitionTimeoutException.class)
			.verify(VERIFY);
		awaitGrantable(secondReader, key, LockMode.PR, true);
		read.release();
	}

	@Test
	void cancellingWhileWaitingWithdrawsTheRequestOnTheServer() {
		LockManager writer = newManager();
		ReactiveLockManager locks = ReactiveLockManager.of(writer);
		LockManager reader = newManager();
		LockManager secondReader = newManager();
		String key = newKey();
		LockHandle read = reader.tryAcquire(key, LockMode.PR).orElseThrow();
		StepVerifier.create(locks.acquire(key, LockMode.EX, WAIT))
			.expectSubscription()
			// the EX request waits on the server: it keeps a later reader out
			.then(() -> awaitGrantable(secondReader, key, LockMode.PR, false))
			.thenCancel()
			.verify(VERIFY);
		awaitGrantable(secondReader, key, LockMode.PR, true);
		read.release();
		// nothing is left held either: the request was withdrawn, not granted
		awaitGrantable(secondReader, key, LockMode.EX, true);
		await().atMost(Duration.ofSeconds(5)).until(() -> writer.locks().isEmpty());
	}

	@Test
	void usingLockHoldsTheLockWhileTheWorkRunsAndReleasesItOnCompletion() {
		ReactiveLockManager locks = newReactiveManager();
		ReactiveLockManager probe = newReactiveManager();
		LockManager after = newManager();
		String key = newKey();
		StepVerifier
			.create(locks.usingLock(key, LockMode.EX,
					(handle) -> probe.tryAcquire(key, LockMode.CR).hasElement().map((busy) -> !busy)))
			.expectNext(true)
			.expectComplete()
			.verify(VERIFY);
		awaitGrantable(after, key, LockMode.EX, true);
	}

	@Test
	void usingLockReleasesTheLockWhenTheWorkFails() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager after = newManager();
		String key = newKey();
		StepVerifier
			.create(locks.usingLock(key, LockMode.EX, LockOptions.waitTime(WAIT),
					(handle) -> Mono.error(new IllegalStateException("the work failed"))))
			.expectErrorMessage("the work failed")
			.verify(VERIFY);
		awaitGrantable(after, key, LockMode.EX, true);
	}

	@Test
	void usingLockReleasesTheLockWhenCancelledWhileTheWorkRuns() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager after = newManager();
		String key = newKey();
		AtomicBoolean started = new AtomicBoolean();
		StepVerifier.create(locks.usingLock(key, LockMode.EX, (handle) -> {
			started.set(true);
			return Mono.never();
		}))
			.expectSubscription()
			.then(() -> await().atMost(Duration.ofSeconds(5)).untilTrue(started))
			.then(() -> awaitGrantable(after, key, LockMode.CR, false))
			.thenCancel()
			.verify(VERIFY);
		awaitGrantable(after, key, LockMode.EX, true);
	}

	@Test
	void usingLockCancelledWhileWaitingWithdrawsTheRequestAndNeverRunsTheWork() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager reader = newManager();
		LockManager secondReader = newManager();
		String key = newKey();
		LockHandle read = reader.tryAcquire(key, LockMode.PR).orElseThrow();
		AtomicBoolean started = new AtomicBoolean();
		StepVerifier.create(locks.usingLock(key, LockMode.EX, LockOptions.waitTime(WAIT), (handle) -> {
			started.set(true);
			return Mono.just(handle.fencingToken());
		}))
			.expectSubscription()
			.then(() -> awaitGrantable(secondReader, key, LockMode.PR, false))
			.thenCancel()
			.verify(VERIFY);
		awaitGrantable(secondReader, key, LockMode.PR, true);
		read.release();
		awaitGrantable(secondReader, key, LockMode.EX, true);
		assertThat(started).isFalse();
	}

	@Test
	void convertUpgradesTheLockWithANewToken() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager probe = newManager();
		String key = newKey();
		LockHandle handle = locks.acquire(key, LockMode.PR, WAIT).block(VERIFY);
		assertThat(handle).isNotNull();
		long readToken = handle.fencingToken();
		StepVerifier.create(locks.convert(handle, LockMode.EX, LockOptions.waitTime(WAIT)))
			.assertNext((converted) -> {
				assertThat(converted).isSameAs(handle);
				assertThat(converted.mode()).isEqualTo(LockMode.EX);
				assertThat(converted.fencingToken()).isGreaterThan(readToken);
			})
			.expectComplete()
			.verify(VERIFY);
		assertThat(LockBackendConformanceKit.grantsAtOnce(probe, key, LockMode.CR)).isFalse();
		handle.release();
		awaitGrantable(probe, key, LockMode.EX, true);
	}

	@Test
	void tryConvertSaysWhetherTheLockWasConvertedAtOnce() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager other = newManager();
		String key = newKey();
		LockHandle handle = locks.tryAcquire(key, LockMode.PR).block(VERIFY);
		assertThat(handle).isNotNull();
		LockHandle otherRead = other.tryAcquire(key, LockMode.PR).orElseThrow();
		StepVerifier.create(locks.tryConvert(handle, LockMode.EX)).expectNext(false).expectComplete().verify(VERIFY);
		assertThat(handle.mode()).isEqualTo(LockMode.PR);
		otherRead.release();
		await().atMost(Duration.ofSeconds(5))
			.until(() -> Boolean.TRUE.equals(locks.tryConvert(handle, LockMode.EX).block(VERIFY)));
		assertThat(handle.mode()).isEqualTo(LockMode.EX);
		handle.release();
	}

	@Test
	void cancellingAWaitingConversionWithdrawsItAndKeepsTheOldMode() {
		ReactiveLockManager locks = newReactiveManager();
		LockManager other = newManager();
		LockManager probe = newManager();
		String key = newKey();
		LockHandle handle = locks.tryAcquire(key, LockMode.PR).block(VERIFY);
		assertThat(handle).isNotNull();
		LockHandle otherRead = other.tryAcquire(key, LockMode.PR).orElseThrow();
		StepVerifier.create(locks.convert(handle, LockMode.EX, LockOptions.waitTime(WAIT)))
			.expectSubscription()
			// the pending conversion to EX keeps a new reader out (DESIGN.md §12)
			.then(() -> awaitGrantable(probe, key, LockMode.PR, false))
			.thenCancel()
			.verify(VERIFY);
		awaitGrantable(probe, key, LockMode.PR, true);
		assertThat(handle.mode()).isEqualTo(LockMode.PR);
		assertThat(handle.isValid()).isTrue();
		otherRead.release();
		handle.release();
		awaitGrantable(probe, key, LockMode.EX, true);
	}

}
