package dev.dlock.tck;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockConversionDeadlockException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.spi.Queued;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The conversion checks of the conformance kit (DESIGN.md §12), run for every backend as
 * the kit's nested {@code Conversion} class: each outcome is compared with
 * {@link ConversionModel}.
 *
 * @since 0.1.0
 */
public abstract class ConversionConformance {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/**
	 * Makes a manager on a new client, closed after the test.
	 * @return the manager
	 */
	protected abstract LockManager newManager();

	/**
	 * Makes a manager on a new client that the test can cut off, closed after the test.
	 * @return the client
	 */
	protected abstract LockBackendConformanceKit.Client newClient();

	/**
	 * The lease time of the managers.
	 * @return the lease time
	 */
	protected abstract Duration leaseTime();

	static Stream<Arguments> conversionsWithAnotherHolder() {
		Stream.Builder<Arguments> cases = Stream.builder();
		for (LockMode held : LockMode.values()) {
			for (LockMode target : LockMode.values()) {
				if (target == held) {
					continue;
				}
				cases.add(Arguments.of(held, target, null));
				for (LockMode other : LockMode.values()) {
					if (other.isCompatibleWith(held)) {
						cases.add(Arguments.of(held, target, other));
					}
				}
			}
		}
		return cases.build();
	}

	@ParameterizedTest(name = "{0} to {1}, other holder {2}")
	@MethodSource("dev.dlock.tck.ConversionConformance#conversionsWithAnotherHolder")
	void aTryConversionIsGrantedExactlyWhenTheModelGrantsIt(LockMode held, LockMode target, @Nullable LockMode other) {
		LockManager converting = newManager();
		LockManager holding = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle handle = converting.tryAcquire(key, held).orElseThrow();
		LockHandle otherHandle = (other != null) ? holding.tryAcquire(key, other).orElseThrow() : null;
		long before = Math.max(handle.fencingToken(), (otherHandle != null) ? otherHandle.fencingToken() : 0);
		List<Queued> queue = (otherHandle != null)
				? List.of(Queued.granted(1, held), Queued.granted(2, other)) : List.of(Queued.granted(1, held));
		boolean expected = ConversionModel.conversion(queue, queue.get(0), target) == ConversionModel.Outcome.GRANTED;

		boolean converted = handle.tryConvert(target);

		assertThat(converted).as("%s to %s next to %s", held, target, other).isEqualTo(expected);
		assertThat(handle.mode()).isEqualTo(converted ? target : held);
		assertThat(handle.isValid()).isTrue();
		if (converted) {
			assertThat(handle.fencingToken()).as("a converted lock's token").isGreaterThan(before);
		}
		else if (held.isCompatibleWith(held) && (other == null || held.isCompatibleWith(other))) {
			// the refused try left nothing behind: a new request of the held mode still fits
			assertThat(LockBackendConformanceKit.grantsAtOnce(newManager(), key, held)).isTrue();
		}
		handle.release();
		if (otherHandle != null) {
			otherHandle.release();
		}
	}

	@Test
	void aConversionHasPriorityOverARequestThatQueuedBeforeIt() throws Exception {
		LockManager first = newManager();
		LockManager second = newManager();
		LockManager writer = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle upgrading = first.acquire(key, LockMode.PR, WAIT);
		LockHandle reader = second.acquire(key, LockMode.PR, WAIT);
		CompletableFuture<LockHandle> queuedWriter = writer.acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
		awaitNotDone(queuedWriter);
		CompletableFuture<LockHandle> upgrade = upgrading.convertAsync(LockMode.PW, LockOptions.waitTime(WAIT));
		awaitNotDone(upgrade);
		reader.release();
		assertThat(upgrade.get(10, TimeUnit.SECONDS).mode()).isEqualTo(LockMode.PW);
		assertThat(upgrading.fencingToken()).isGreaterThan(reader.fencingToken());
		awaitNotDone(queuedWriter);
		upgrading.release();
		LockHandle written = queuedWriter.get(10, TimeUnit.SECONDS);
		assertThat(written.fencingToken()).as("the writer that waited since before the conversion")
			.isGreaterThan(upgrading.fencingToken());
		written.release();
	}

	@Test
	void twoReadersAskingForExclusiveRefuseTheLaterAndGrantTheEarlier() throws Exception {
		LockManager first = newManager();
		LockManager second = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle earlier = first.acquire(key, LockMode.PR, WAIT);
		LockHandle later = second.acquire(key, LockMode.PR, WAIT);
		CompletableFuture<LockHandle> earlierUpgrade = earlier.convertAsync(LockMode.EX, LockOptions.waitTime(WAIT));
		awaitNotDone(earlierUpgrade);
		assertThatExceptionOfType(LockConversionDeadlockException.class)
			.isThrownBy(() -> later.convert(LockMode.EX, WAIT));
		assertThat(later.mode()).isEqualTo(LockMode.PR);
		assertThat(later.isValid()).isTrue();
		later.release();
		assertThat(earlierUpgrade.get(10, TimeUnit.SECONDS).mode()).isEqualTo(LockMode.EX);
		earlier.release();
	}

	@Test
	void aDownConversionLetsWaitersIn() throws Exception {
		LockManager writer = newManager();
		LockManager reader = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle written = writer.acquire(key, LockMode.EX, WAIT);
		CompletableFuture<LockHandle> read = reader.acquireAsync(key, LockMode.PR, LockOptions.waitTime(WAIT));
		awaitNotDone(read);
		long exclusiveToken = written.fencingToken();
		written.convert(LockMode.PR, WAIT);
		assertThat(written.fencingToken()).isGreaterThan(exclusiveToken);
		LockHandle granted = read.get(10, TimeUnit.SECONDS);
		assertThat(granted.fencingToken()).as("granted after a conversion on its key")
			.isGreaterThan(written.fencingToken());
		assertThat(written.isValid()).isTrue();
		granted.release();
		written.release();
	}

	/**
	 * The model checker's shortest trail: a waiter granted with a token it drew after a
	 * conversion ends before a request queued after that conversion is granted, which must
	 * then show a larger token still.
	 */
	@Test
	void aRequestGrantedAfterAWaiterThatDrewANewTokenShowsALargerOne() throws Exception {
		String key = LockBackendConformanceKit.newKey();
		LockHandle holder = newManager().acquire(key, LockMode.CW, WAIT);
		CompletableFuture<LockHandle> writer = newManager().acquireAsync(key, LockMode.PW, LockOptions.waitTime(WAIT));
		awaitNotDone(writer);
		holder.convert(LockMode.CR, WAIT);
		CompletableFuture<LockHandle> reader = newManager().acquireAsync(key, LockMode.PR, LockOptions.waitTime(WAIT));
		LockHandle written = writer.get(10, TimeUnit.SECONDS);
		assertThat(written.fencingToken()).as("the writer, granted after the conversion")
			.isGreaterThan(holder.fencingToken());
		awaitNotDone(reader);
		written.release();
		assertThat(reader.get(10, TimeUnit.SECONDS).fencingToken()).as("the reader, granted after the writer ended")
			.isGreaterThan(written.fencingToken());
		reader.get().release();
		holder.release();
	}

	@Test
	void aHolderConvertsUpAndDownBackToBack() throws Exception {
		LockHandle handle = newManager().acquire(LockBackendConformanceKit.newKey(), LockMode.PR, WAIT);
		long token = handle.fencingToken();
		for (int i = 0; i < 20; i++) {
			// each call returns once its conversion has ended: the next one never finds it pending
			handle.convert(LockMode.EX, WAIT);
			handle.convert(LockMode.PR, WAIT);
			assertThat(handle.fencingToken()).isGreaterThan(token);
			token = handle.fencingToken();
		}
		handle.release();
	}

	@Test
	void aTimedOutConversionLeavesTheOldModeHeldAndNothingPending() throws Exception {
		TwoReaders readers = twoReaders();
		assertThatExceptionOfType(LockAcquisitionTimeoutException.class)
			.isThrownBy(() -> readers.upgrading().convert(LockMode.EX, Duration.ofMillis(300)));
		readers.assertOldModeHeldAndNothingPending();
		readers.release();
	}

	@Test
	void anInterruptedConversionLeavesTheOldModeHeldAndNothingPending() throws Exception {
		TwoReaders readers = twoReaders();
		AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
		Thread converter = new Thread(() -> {
			try {
				readers.upgrading().convert(LockMode.EX, WAIT);
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
		});
		converter.start();
		await().atMost(WAIT).until(() -> converter.getState() == Thread.State.WAITING);
		converter.interrupt();
		converter.join(10_000);
		assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
		readers.assertOldModeHeldAndNothingPending();
		readers.release();
	}

	@Test
	void aCancelledConversionLeavesTheOldModeHeldAndNothingPending() throws Exception {
		TwoReaders readers = twoReaders();
		CompletableFuture<LockHandle> upgrade = readers.upgrading()
			.convertAsync(LockMode.EX, LockOptions.waitTime(WAIT));
		awaitNotDone(upgrade);
		upgrade.cancel(true);
		readers.assertOldModeHeldAndNothingPending();
		readers.reader().release();
		// the cancelled conversion is not granted when the way clears
		await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> readers.upgrading().mode() == LockMode.PR);
		assertThat(LockBackendConformanceKit.grantsAtOnce(readers.probe(), readers.key(), LockMode.CR)).isTrue();
		readers.release();
	}

	@Test
	void aReentrantHoldIsNotConvertedAndOneConversionAtATime() throws Exception {
		LockManager manager = newManager();
		LockManager other = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle outer = manager.acquire(key, LockMode.PR, WAIT);
		LockHandle inner = manager.acquire(key, LockMode.PR, WAIT);
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> outer.tryConvert(LockMode.EX))
			.withMessageContaining("re-entrant");
		inner.release();
		LockHandle reader = other.acquire(key, LockMode.PR, WAIT);
		CompletableFuture<LockHandle> upgrade = outer.convertAsync(LockMode.EX, LockOptions.waitTime(WAIT));
		awaitNotDone(upgrade);
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> outer.tryConvert(LockMode.PW))
			.withMessageContaining("pending");
		reader.release();
		assertThat(upgrade.get(10, TimeUnit.SECONDS).mode()).isEqualTo(LockMode.EX);
		outer.release();
	}

	@Test
	void aConvertingHolderThatIsCutOffLosesItsLockAndTheConversionEnds() throws Exception {
		LockBackendConformanceKit.Client cut = newClient();
		LockManager other = newManager();
		String key = LockBackendConformanceKit.newKey();
		LockHandle upgrading = cut.manager().acquire(key, LockMode.PR, WAIT);
		LockHandle reader = other.acquire(key, LockMode.PR, WAIT);
		CompletableFuture<LockHandle> upgrade = upgrading.convertAsync(LockMode.EX,
				LockOptions.waitTime(leaseTime().multipliedBy(10)));
		awaitNotDone(upgrade);
		cut.backend().cut();
		assertThat(upgrade).failsWithin(leaseTime().multipliedBy(3)).withThrowableOfType(ExecutionException.class);
		await().atMost(leaseTime().multipliedBy(2)).until(() -> !upgrading.isValid());
		reader.release();
		// the crashed holder's entry expires with its lease, old mode and pending conversion alike
		LockHandle writer = other.acquire(key, LockMode.EX, leaseTime().multipliedBy(4));
		writer.release();
	}

	/** Two managers holding PR on a new key, the first about to convert, and a probe. */
	private TwoReaders twoReaders() throws InterruptedException {
		String key = LockBackendConformanceKit.newKey();
		LockHandle upgrading = newManager().acquire(key, LockMode.PR, WAIT);
		LockHandle reader = newManager().acquire(key, LockMode.PR, WAIT);
		return new TwoReaders(key, upgrading, upgrading.fencingToken(), reader, newManager());
	}

	/**
	 * Two PR holders of a key, the first of which converts, and a third manager that probes.
	 */
	private record TwoReaders(String key, LockHandle upgrading, long token, LockHandle reader, LockManager probe) {

		/** The converting holder holds PR with its token, and no EX conversion is pending. */
		void assertOldModeHeldAndNothingPending() {
			assertThat(this.upgrading.mode()).isEqualTo(LockMode.PR);
			assertThat(this.upgrading.fencingToken()).isEqualTo(this.token);
			assertThat(this.upgrading.isValid()).isTrue();
			// a pending EX conversion would hold back a new CR request
			await().atMost(WAIT).until(() -> LockBackendConformanceKit.grantsAtOnce(this.probe, this.key, LockMode.CR));
			assertThat(this.probe.tryAcquire(this.key, LockMode.EX)).as("an EX request while PR is held").isEmpty();
		}

		void release() {
			this.reader.release();
			this.upgrading.release();
		}

	}

	private static void awaitNotDone(CompletableFuture<?> future) {
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> !future.isDone());
	}

}
