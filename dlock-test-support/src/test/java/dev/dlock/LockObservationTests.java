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
	void conversionIsObservedWithBackendBothModesAndOutcomeButNotTheKey() {
		LockHandle handle = manager().tryAcquire("customer:4711", LockMode.PR).orElseThrow();
		assertThat(handle.tryConvert(LockMode.EX)).isTrue();
		assertThat(this.registry).hasObservationWithNameEqualTo("dlock.convert")
			.that()
			.hasBeenStarted()
			.hasBeenStopped()
			.hasContextualNameEqualTo("convert PR to EX")
			.hasLowCardinalityKeyValue("dlock.backend", "memory")
			.hasLowCardinalityKeyValue("dlock.from-mode", "PR")
			.hasLowCardinalityKeyValue("dlock.to-mode", "EX")
			.hasLowCardinalityKeyValue("dlock.outcome", "converted")
			.doesNotHaveLowCardinalityKeyValueWithKey("dlock.key")
			.hasHighCardinalityKeyValue("dlock.key", "customer:4711");
	}

	@Test
	void blockingNotificationIsObservedWithBackendBothModesButNotTheKey() {
		LockHandle holder = manager().tryAcquire("customer:4711", LockMode.PR).orElseThrow();
		holder.onBlocking((mode) -> {
		});
		unobserved().acquireAsync("customer:4711", LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(1)));
		assertThat(this.registry).hasObservationWithNameEqualTo("dlock.blocking")
			.that()
			.hasBeenStopped()
			.hasContextualNameEqualTo("PR blocks EX")
			.hasLowCardinalityKeyValue("dlock.backend", "memory")
			.hasLowCardinalityKeyValue("dlock.mode", "PR")
			.hasLowCardinalityKeyValue("dlock.blocked-mode", "EX")
			.doesNotHaveLowCardinalityKeyValueWithKey("dlock.key")
			.hasHighCardinalityKeyValue("dlock.key", "customer:4711");
	}

	@Test
	void anInvalidValueReadIsAnEventOfTheReadersHold() {
		CuttableBackend crashing = new CuttableBackend(this.server);
		manager(crashing, TestObservationRegistry.create()).tryAcquire("price", LockMode.EX).orElseThrow();
		crashing.cut();
		this.time.advance(LEASE.multipliedBy(2)); // the writer's entry expires on the server
		LockHandle reader = manager().tryAcquire("price", LockMode.PR).orElseThrow();
		assertThat(reader.value().valid()).isFalse();
		assertThat(this.registry).hasObservationWithNameEqualTo("dlock.hold")
			.that()
			.hasEvent("value.invalid")
			.hasLowCardinalityKeyValue("dlock.mode", "PR");
	}

	@Test
	void aValidValueReadIsNoEvent() {
		LockHandle reader = manager().tryAcquire("price", LockMode.PR).orElseThrow();
		assertThat(reader.value().valid()).isTrue();
		assertThat(this.registry).hasObservationWithNameEqualTo("dlock.hold").that().doesNotHaveEvent("value.invalid");
	}

	@Test
	void conversionOutcomesBusyDeadlockTimeoutAndCancelledAreTheirOwn() {
		LockManager observed = manager();
		LockManager other = unobserved();
		LockOptions minute = LockOptions.waitTime(Duration.ofMinutes(1));
		// busy: a try that would wait for another reader
		other.tryAcquire("busy", LockMode.PR).orElseThrow();
		assertThat(observed.tryAcquire("busy", LockMode.PR).orElseThrow().tryConvert(LockMode.EX)).isFalse();
		// deadlock: the other reader asked for EX first, so this later conversion can never be granted
		LockHandle first = other.tryAcquire("deadlock", LockMode.PR).orElseThrow();
		LockHandle later = observed.tryAcquire("deadlock", LockMode.PR).orElseThrow();
		assertThat(first.convertAsync(LockMode.EX, minute)).isNotDone();
		assertThat(later.convertAsync(LockMode.EX, minute)).isCompletedExceptionally();
		// timeout: the other reader stays
		other.tryAcquire("timeout", LockMode.PR).orElseThrow();
		CompletableFuture<LockHandle> timingOut = observed.tryAcquire("timeout", LockMode.PR)
			.orElseThrow()
			.convertAsync(LockMode.PW, LockOptions.waitTime(Duration.ofSeconds(1)));
		// cancelled: the caller gives up
		other.tryAcquire("cancelled", LockMode.PR).orElseThrow();
		CompletableFuture<LockHandle> cancelled = observed.tryAcquire("cancelled", LockMode.CR)
			.orElseThrow()
			.convertAsync(LockMode.EX, minute);
		assertThat(cancelled.cancel(true)).isTrue();
		this.time.advance(Duration.ofSeconds(1));
		assertThat(timingOut).isCompletedExceptionally();
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("dlock.convert", 4);
		assertConversion("PR", "EX", "busy");
		assertConversion("PR", "EX", "deadlock");
		assertConversion("PR", "PW", "timeout");
		assertConversion("CR", "EX", "cancelled");
	}

	private void assertConversion(String from, String to, String outcome) {
		assertThat(this.registry).hasAnObservation((observation) -> observation.hasNameEqualTo("dlock.convert")
			.hasLowCardinalityKeyValue("dlock.from-mode", from)
			.hasLowCardinalityKeyValue("dlock.to-mode", to)
			.hasLowCardinalityKeyValue("dlock.outcome", outcome));
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
