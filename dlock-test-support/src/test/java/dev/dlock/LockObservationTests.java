package dev.dlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.tck.ManualTime;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's observations: names, low-cardinality tags (never the key) and outcomes.
 */
class LockObservationTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private final ManualTime time = new ManualTime();

	private final InMemoryLockBackend server = InMemoryLockBackend.builder().timeSource(this.time).build();

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final List<LockManager> managers = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(LockManager::close);
	}

	private LockManager manager(CuttableBackend backend, TestObservationRegistry observations) {
		LockManager manager = LockManagerBuilder.forBackend(backend)
			.leaseTime(LEASE)
			.timeSource(this.time)
			.callbackExecutor(Runnable::run)
			.closeTimeout(Duration.ofMillis(10))
			.observationRegistry(observations)
			.build();
		this.managers.add(manager);
		return manager;
	}

	private LockManager manager() {
		return manager(new CuttableBackend(this.server), this.registry);
	}

	private LockManager unobserved() {
		return manager(new CuttableBackend(this.server), TestObservationRegistry.create());
	}

	@Test
	void acquisitionIsObservedWithBackendModeAndOutcomeButNotTheKey() {
		manager().tryAcquire("customer:4711", LockMode.PW).orElseThrow();
		assertThat(this.registry).hasObservationWithNameEqualTo("dlock.acquire")
			.that()
			.hasBeenStarted()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("dlock.backend", "memory")
			.hasLowCardinalityKeyValue("dlock.mode", "PW")
			.hasLowCardinalityKeyValue("dlock.outcome", "acquired")
			.doesNotHaveLowCardinalityKeyValueWithKey("dlock.key")
			.hasHighCardinalityKeyValue("dlock.key", "customer:4711");
	}

	@Test
	void busyTryAndTimeoutAreTheirOwnOutcomes() {
		unobserved().tryAcquire("k", LockMode.EX).orElseThrow();
		LockManager observed = manager();
		observed.tryAcquire("k", LockMode.EX);
		CompletableFuture<LockHandle> waiting = observed.acquireAsync("k", LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(1)));
		this.time.advance(Duration.ofSeconds(1));
		assertThat(waiting).isCompletedExceptionally();
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("dlock.acquire", 2)
			.hasAnObservationWithAKeyValue("dlock.outcome", "busy")
			.hasAnObservationWithAKeyValue("dlock.outcome", "timeout");
	}

	@Test
	void holdIsObservedUntilReleaseOrLoss() {
		CuttableBackend client = new CuttableBackend(this.server);
		LockManager manager = manager(client, this.registry);
		manager.tryAcquire("released", LockMode.EX).orElseThrow().release();
		manager.tryAcquire("lost", LockMode.CR).orElseThrow();
		client.cut();
		this.time.advance(LEASE.multipliedBy(2));
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("dlock.hold", 2)
			.hasAnObservationWithAKeyValue("dlock.outcome", "released")
			.hasAnObservationWithAKeyValue("dlock.outcome", "lost");
		assertThat(this.registry).hasAnObservation((observation) -> observation.hasNameEqualTo("dlock.renew")
			.hasLowCardinalityKeyValue("dlock.outcome", "failed"));
	}

	@Test
	void renewalRoundsAreObserved() {
		manager().tryAcquire("k", LockMode.EX).orElseThrow();
		this.time.advance(LEASE);
		assertThat(this.registry).hasAnObservation((observation) -> observation.hasNameEqualTo("dlock.renew")
			.hasLowCardinalityKeyValue("dlock.outcome", "renewed")
			.hasLowCardinalityKeyValue("dlock.backend", "memory"));
	}

}
