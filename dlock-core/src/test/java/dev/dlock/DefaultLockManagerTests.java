package dev.dlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.tck.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The engine on the in-memory backend with time that only the test moves, so lease
 * bounds are checked exactly and nothing sleeps.
 */
class DefaultLockManagerTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private final ManualTime time = new ManualTime();

	private final InMemoryLockBackend server = InMemoryLockBackend.builder().clock(this.time::nanoTime).build();

	private final List<LockManager> managers = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(LockManager::close);
	}

	private LockManager manager(CuttableBackend backend) {
		LockManager manager = LockManager.builder(backend)
			.leaseTime(LEASE)
			.timeSource(this.time)
			.callbackExecutor(Runnable::run)
			.closeTimeout(Duration.ofMillis(10))
			.build();
		this.managers.add(manager);
		return manager;
	}

	private LockManager manager() {
		return manager(new CuttableBackend(this.server));
	}

	@Test
	void renewalKeepsALockAliveForManyLeaseTimes() {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		this.time.advance(LEASE.multipliedBy(10));
		assertThat(held.isValid()).isTrue();
		assertThat(manager().tryAcquire("k", LockMode.CR)).isEmpty();
	}

	@Test
	void aHolderCutOffTurnsInvalidExactlyOneLeaseAfterItsLastRenewalWasSentAndIsTold() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockHandle held = manager(client).tryAcquire("k", LockMode.EX).orElseThrow();
		List<LockLostException> told = new ArrayList<>();
		held.onLost(told::add);
		this.time.advance(LEASE.dividedBy(3));
		long lastRenewalSent = this.time.nanoTime();
		assertThat(client.renewals()).hasSize(1);
		client.cut();
		this.time.advance(LEASE.minusNanos(1));
		assertThat(held.isValid()).isTrue();
		assertThat(told).isEmpty();
		this.time.advance(Duration.ofNanos(1));
		assertThat(this.time.nanoTime() - lastRenewalSent).isEqualTo(LEASE.toNanos());
		assertThat(held.isValid()).isFalse();
		assertThat(told).singleElement().satisfies((loss) -> assertThat(loss).hasMessageContaining("'k'"));
	}

	@Test
	void aCrashedHoldersLockIsFreeOnceItsLeaseRunsOut() {
		CuttableBackend crashing = new CuttableBackend(this.server);
		manager(crashing).tryAcquire("k", LockMode.EX).orElseThrow();
		LockManager other = manager();
		crashing.cut();
		CompletableFuture<LockHandle> next = other.acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(LEASE.multipliedBy(2)));
		this.time.advance(LEASE.minusSeconds(1));
		assertThat(next).isNotDone();
		this.time.advance(Duration.ofSeconds(2));
		assertThat(next).isCompleted();
		assertThat(next.join().isValid()).isTrue();
	}

	@Test
	void aWaitingRequestTimesOutAtItsWaitTimeAndLeavesNoTrace() {
		LockManager holder = manager();
		LockHandle read = holder.tryAcquire("k", LockMode.PR).orElseThrow();
		CompletableFuture<LockHandle> write = manager().acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(5)));
		this.time.advance(Duration.ofMillis(4999));
		assertThat(write).isNotDone();
		this.time.advance(Duration.ofMillis(1));
		assertThat(write).failsWithin(Duration.ZERO)
			.withThrowableOfType(Exception.class)
			.withCauseInstanceOf(LockAcquisitionTimeoutException.class);
		assertThat(manager().tryAcquire("k", LockMode.PR)).isPresent();
		read.release();
	}

	@Test
	void aFailedReleaseIsRetriedInTheBackgroundUntilConfirmed() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockHandle held = manager(client).tryAcquire("k", LockMode.EX).orElseThrow();
		client.cut();
		held.release();
		assertThat(held.isValid()).isFalse();
		LockManager other = manager();
		assertThat(other.tryAcquire("k", LockMode.EX)).isEmpty();
		client.heal();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(other.tryAcquire("k", LockMode.EX)).isPresent();
	}

	@Test
	void releaseStopsRenewalAtOnce() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockManager manager = manager(client);
		LockHandle held = manager.tryAcquire("k", LockMode.EX).orElseThrow();
		held.release();
		this.time.advance(LEASE);
		assertThat(client.renewals()).isEmpty();
	}

	@Test
	void waitersAreWokenByTheReleaseWithoutWaitingForARecheck() {
		LockHandle held = manager().tryAcquire("k", LockMode.EX).orElseThrow();
		CompletableFuture<LockHandle> waiter = manager().acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(10)));
		held.release();
		assertThat(waiter).isCompleted();
	}

	@Test
	void reentrantHoldsNeedAsManyReleases() {
		LockManager manager = manager();
		LockHandle first = manager.tryAcquire("k", LockMode.PW).orElseThrow();
		LockHandle second = manager.tryAcquire("k", LockMode.CR).orElseThrow();
		LockHandle third = manager.tryAcquire("k", LockMode.PR).orElseThrow();
		assertThat(List.of(second.fencingToken(), third.fencingToken())).containsOnly(first.fencingToken());
		first.release();
		second.release();
		assertThat(manager().tryAcquire("k", LockMode.PR)).isEmpty();
		third.release();
		assertThat(manager().tryAcquire("k", LockMode.EX)).isPresent();
	}

	@Test
	void lossListenersRunOnceAndAlsoWhenRegisteredLate() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockHandle held = manager(client).tryAcquire("k", LockMode.EX).orElseThrow();
		AtomicInteger calls = new AtomicInteger();
		held.onLost((loss) -> calls.incrementAndGet());
		client.cut();
		this.time.advance(LEASE.multipliedBy(3));
		held.onLost((loss) -> calls.incrementAndGet());
		assertThat(calls).hasValue(2);
	}

	@Test
	void sessionsArePerLeaseTime() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockManager manager = manager(client);
		LockHandle shortLease = manager
			.tryAcquire("short", LockMode.EX, LockOptions.noWait().withLeaseTime(Duration.ofSeconds(3)))
			.orElseThrow();
		LockHandle defaultLease = manager.tryAcquire("default", LockMode.EX).orElseThrow();
		client.cut();
		this.time.advance(Duration.ofSeconds(5));
		assertThat(shortLease.isValid()).isFalse();
		assertThat(defaultLease.isValid()).isTrue();
	}

	@Test
	void builderRejectsBadSettingsWithTheirNames() {
		assertThatIllegalArgumentException().isThrownBy(() -> LockManager.builder(this.server).leaseTime(Duration.ZERO))
			.withMessageContaining("'leaseTime'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> LockManager.builder(this.server)
				.leaseTime(Duration.ofSeconds(1))
				.renewalInterval(Duration.ofSeconds(1))
				.build())
			.withMessageContaining("'renewalInterval'");
		assertThatIllegalArgumentException().isThrownBy(() -> LockOptions.waitTime(Duration.ofSeconds(-1)))
			.withMessageContaining("'waitTime'");
	}

}
