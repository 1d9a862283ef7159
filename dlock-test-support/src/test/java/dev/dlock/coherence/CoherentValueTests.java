package dev.dlock.coherence;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

/**
 * What {@link CoherentValue} does besides coherence (which the conformance kit checks on
 * every backend): it leaves no lock behind when its loader or a change fails or when it is
 * closed, moves the version even when a change fails halfway, and refuses bad input.
 */
class CoherentValueTests {

	private static final String KEY = "price:42";

	private final InMemoryLockBackend memory = InMemoryLockBackend.create();

	private final LockManager manager = LockManagerBuilder.forBackend(this.memory).build();

	private final LockManager other = LockManagerBuilder.forBackend(this.memory).build();

	@AfterEach
	void close() {
		this.manager.close();
		this.other.close();
		this.memory.close();
	}

	@Test
	void aCopyHoldsThePrLockUntilItIsClosed() throws Exception {
		CoherentValue<Long> price = CoherentValue.of(this.manager, KEY, () -> 7L);
		assertThat(price.get()).isEqualTo(7L);
		assertThat(this.manager.locks()).singleElement()
			.satisfies((info) -> assertThat(info.mode()).isEqualTo(LockMode.PR));
		price.close();
		assertThat(this.manager.locks()).isEmpty();
		assertThatIllegalStateException().isThrownBy(price::get).withMessageContaining("closed");
		assertThatIllegalStateException().isThrownBy(() -> price.update(() -> {
		})).withMessageContaining("closed");
	}

	@Test
	void aLoaderThatFailsLeavesNoLockAndIsCalledAgainNextTime() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		CoherentValue<Integer> price = CoherentValue.of(this.manager, KEY, () -> {
			if (calls.incrementAndGet() == 1) {
				throw new IllegalStateException("database down");
			}
			return 9;
		});
		assertThatIllegalStateException().isThrownBy(price::get).withMessage("database down");
		assertThat(this.manager.locks()).isEmpty();
		assertThat(price.get()).isEqualTo(9);
		assertThat(calls).hasValue(2);
		price.close();
	}

	@Test
	void aLoaderThatReturnsNullIsRefused() {
		CoherentValue<Long> price = CoherentValue.of(this.manager, KEY, () -> null);
		assertThatNullPointerException().isThrownBy(price::get).withMessageContaining("loader returned null");
		assertThat(this.manager.locks()).isEmpty();
	}

	@Test
	void aChangeThatFailsHalfwayStillMovesTheVersion() throws Exception {
		AtomicLong database = new AtomicLong(1);
		AtomicInteger loads = new AtomicInteger();
		CoherentValue<Long> reader = CoherentValue.of(this.other, KEY, () -> {
			loads.incrementAndGet();
			return database.get();
		});
		assertThat(reader.get()).isEqualTo(1L);
		CoherentValue<Long> writer = CoherentValue.of(this.manager, KEY, database::get);
		try {
			writer.update(() -> {
				database.set(2); // part of the change is made...
				throw new IllegalStateException("...and the rest fails");
			});
		}
		catch (IllegalStateException expected) {
			// the caller sees the failure
		}
		assertThat(this.manager.locks()).as("the EX lock is let go").isEmpty();
		assertThat(reader.get()).as("reloaded: the version moved").isEqualTo(2L);
		assertThat(loads).hasValue(2);
		reader.close();
	}

	@Test
	void anUpdateDropsTheOwnCopyFirstAndTheNextReadLoads() throws Exception {
		AtomicLong database = new AtomicLong(1);
		CoherentValue<Long> price = CoherentValue.of(this.manager, KEY, database::get);
		assertThat(price.get()).isEqualTo(1L);
		price.update(() -> database.set(5));
		assertThat(price.get()).isEqualTo(5L);
		price.close();
	}

	@Test
	void anotherHoldersExclusiveLockWaitsOnlyUntilTheCopyIsDropped() throws Exception {
		CoherentValue<Long> price = CoherentValue.of(this.manager, KEY, () -> 3L);
		price.get();
		try (LockHandle writer = this.other.acquire(KEY, LockMode.EX, Duration.ofSeconds(5))) {
			assertThat(writer.isValid()).isTrue();
			assertThat(this.manager.locks()).as("the copy was dropped on the blocking notification").isEmpty();
		}
		price.close();
	}

	@Test
	void itsHoldsBelongToNoThreadSoTheCallersOwnHoldsDoNotMixWithThem() throws Exception {
		CoherentValue<Long> price = CoherentValue.of(this.manager, KEY, () -> 3L);
		price.get();
		// the caller's own PR hold is a grant of its own, not a re-entry of the copy's hold
		try (LockHandle own = this.manager.acquire(KEY, LockMode.PR, Duration.ofSeconds(5))) {
			assertThat(this.manager.locks()).hasSize(2);
			assertThat(own.isValid()).isTrue();
		}
		assertThat(this.manager.locks()).as("the copy's hold stays").hasSize(1);
		assertThat(price.get()).isEqualTo(3L);
		price.close();
	}

	@Test
	void badArgumentsAreRefused() {
		assertThatNullPointerException().isThrownBy(() -> CoherentValue.of(this.manager, null, () -> 1))
			.withMessageContaining("key");
		assertThatNullPointerException().isThrownBy(() -> CoherentValue.of(this.manager, KEY, null))
			.withMessageContaining("loader");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> CoherentValue.of(this.manager, KEY, Duration.ZERO, () -> 1))
			.withMessageContaining("waitTime");
	}

}
