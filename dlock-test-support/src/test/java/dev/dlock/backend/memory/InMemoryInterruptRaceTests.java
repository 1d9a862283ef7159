package dev.dlock.backend.memory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import dev.dlock.LockManager;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.tck.InterruptRace;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 13, defect 1 on the in-memory backend with real threads and real time: an acquire
 * interrupted as its grant arrives must not leave the lock held by nobody.
 */
class InMemoryInterruptRaceTests {

	private static final Logger logger = LoggerFactory.getLogger(InMemoryInterruptRaceTests.class);

	private static final Duration LEASE = Duration.ofSeconds(1);

	private final InMemoryLockBackend server = InMemoryLockBackend.create();

	private final List<LockManager> managers = new ArrayList<>();

	@AfterEach
	void close() {
		this.managers.forEach(LockManager::close);
	}

	@Test
	void anAcquireInterruptedAsItsGrantArrivesLeavesTheKeyFreeForOthers() throws InterruptedException {
		long seed = new SplittableRandom().nextLong();
		InterruptRace race = new InterruptRace(this::manager, manager(ObservationRegistry.NOOP));
		InterruptRace.Result result = race.run("job", Duration.ofSeconds(12), 5, LEASE.multipliedBy(3),
				seed);
		logger.info("Interrupt race on memory, seed {}: {}", seed, result);
	}

	private LockManager manager(ObservationRegistry observations) {
		LockManager manager = LockManagerBuilder.forBackend(this.server)
			.leaseTime(LEASE)
			.observationRegistry(observations)
			.closeTimeout(Duration.ofMillis(100))
			.build();
		this.managers.add(manager);
		return manager;
	}

}
