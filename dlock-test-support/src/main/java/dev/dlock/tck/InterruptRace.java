package dev.dlock.tck;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.observation.LockAcquisitionContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An interrupt that races a grant, round after round on one key (issue 13, defect 1): a
 * thread blocks in {@link LockManager#acquire} behind a holder of another manager, and the
 * test thread releases the holder and interrupts the waiting thread at nearly the same
 * moment. Whatever the outcome, once the round is over the other manager must be able to
 * take the key within {@code freeWithin}: an acquire that threw
 * {@link InterruptedException} holds nothing, and a returned handle is released.
 * <p>
 * The grant is dangerous only when it lands between {@code get()} giving up and the
 * request being withdrawn, a window of a few microseconds. The gap between the release
 * and the interrupt is steered towards it: a round whose acquire returned a handle (the
 * grant came first) moves the interrupt earlier, a round that was interrupted before any
 * grant moves it later, and each round adds random jitter. A negative gap interrupts
 * first and releases after it. A round in which the acquire threw although its request
 * ended granted (as the waiting manager's acquisition observations tell) is a
 * <em>hit</em>: the window was reached, and the grant must still have been released.
 *
 * @since 0.1.0
 */
public final class InterruptRace {

	private static final Duration READY_WITHIN = Duration.ofSeconds(5);

	private static final Duration ACQUIRE_WAIT = Duration.ofSeconds(30);

	private static final long STEP_NANOS = 4_000;

	private static final long JITTER_NANOS = 16_000;

	private final LockManager waiter;

	private final LockManager other;

	private final AtomicInteger granted = new AtomicInteger();

	/**
	 * Creates a race between two managers.
	 * @param waiter makes the manager whose acquire is interrupted, with the registry it
	 * must observe into (the race counts its granted requests there)
	 * @param other the manager that holds the key and must be able to take it after every
	 * round (another client of the same backend)
	 */
	public InterruptRace(Function<ObservationRegistry, LockManager> waiter, LockManager other) {
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig().observationHandler(new GrantedRequests(this.granted));
		this.waiter = waiter.apply(registry);
		this.other = other;
	}

	/**
	 * Runs rounds until {@code enoughHits} hits were seen or {@code budget} is used up.
	 * Fails at the first round after which the other manager cannot take the key within
	 * {@code freeWithin}, and at the end if no round reached the window (the run would
	 * have proved nothing).
	 * @param key the lock key, used by nobody else
	 * @param budget how long to keep starting rounds
	 * @param enoughHits the hits after which the race has shown enough
	 * @param freeWithin how long the other manager may need to take the key after a round
	 * @param seed the seed of the jitter
	 * @return what the rounds did
	 * @throws InterruptedException if the calling thread is interrupted
	 */
	public Result run(String key, Duration budget, int enoughHits, Duration freeWithin, long seed)
			throws InterruptedException {
		SplittableRandom random = new SplittableRandom(seed);
		long startedAt = System.nanoTime();
		long stopAt = startedAt + budget.toNanos();
		long gap = 0;
		int rounds = 0;
		int interrupted = 0;
		int hits = 0;
		LockHandle held = takeFree(key, freeWithin, "before the first round");
		while (hits < enoughHits && System.nanoTime() - stopAt < 0) {
			rounds++;
			long jittered = gap + random.nextLong(-JITTER_NANOS, JITTER_NANOS + 1);
			int grantedBefore = this.granted.get();
			Outcome outcome = race(key, held, jittered);
			String round = "round " + rounds + " (gap " + jittered / 1000 + " µs, acquire " + outcome + ", "
					+ Duration.ofNanos(System.nanoTime() - startedAt).toMillis() + " ms in)";
			held = takeFree(key, freeWithin, "after " + round);
			if (outcome == Outcome.GRANTED) {
				gap -= STEP_NANOS;
			}
			else if (this.granted.get() == grantedBefore) {
				interrupted++;
				gap += STEP_NANOS;
			}
			else {
				interrupted++;
				hits++;
			}
		}
		held.release();
		Result result = new Result(rounds, interrupted, hits, gap, Duration.ofNanos(System.nanoTime() - startedAt));
		assertThat(hits).as("rounds that reached the window, in %s", result).isPositive();
		return result;
	}

	private Outcome race(String key, LockHandle held, long gapNanos) throws InterruptedException {
		AtomicReference<@Nullable Outcome> outcome = new AtomicReference<>();
		AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
		Thread acquiring = new Thread(() -> {
			try {
				LockHandle handle = this.waiter.acquire(key, LockMode.EX, ACQUIRE_WAIT);
				outcome.set(Outcome.GRANTED);
				handle.release();
			}
			catch (InterruptedException ex) {
				outcome.set(Outcome.INTERRUPTED);
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		}, "interrupt-race");
		acquiring.setDaemon(true);
		acquiring.start();
		await("the acquire to wait in the queue").atMost(READY_WITHIN)
			.pollInSameThread()
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(1))
			.until(() -> acquiring.getState() == Thread.State.WAITING && isWaiting(key));
		if (gapNanos >= 0) {
			held.release();
			spin(gapNanos);
			acquiring.interrupt();
		}
		else {
			acquiring.interrupt();
			spin(-gapNanos);
			held.release();
		}
		acquiring.join(READY_WITHIN.toMillis());
		assertThat(acquiring.isAlive()).as("the acquire returned after the interrupt").isFalse();
		assertThat(failure.get()).as("what the acquire threw").isNull();
		Outcome ended = outcome.get();
		assertThat(ended).as("how the acquire ended").isNotNull();
		return Objects.requireNonNull(ended);
	}

	private boolean isWaiting(String key) {
		return this.waiter.locks()
			.stream()
			.anyMatch((lock) -> lock.key().equals(key) && lock.state() == LockInfo.State.WAITING);
	}

	private LockHandle takeFree(String key, Duration within, String when) {
		try {
			return await().atMost(within)
				.pollInSameThread()
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(1))
				.until(() -> this.other.tryAcquire(key, LockMode.EX), Optional::isPresent)
				.orElseThrow();
		}
		catch (ConditionTimeoutException ex) {
			throw new AssertionError("The other manager could not take the key within " + within + " " + when
					+ "; the waiting manager reports " + this.waiter.locks(), ex);
		}
	}

	/**
	 * Waits a few microseconds without sleeping. It yields rather than spins: on a machine
	 * with few cores a spinning test thread keeps the interrupted thread from running, and
	 * the gap then drifts to milliseconds, away from the window.
	 */
	private static void spin(long nanos) {
		long until = System.nanoTime() + nanos;
		while (System.nanoTime() - until < 0) {
			Thread.yield();
		}
	}

	/** How one round's acquire ended. */
	private enum Outcome {

		/** It returned a handle: the grant came before the interrupt was noticed. */
		GRANTED,

		/** It threw {@link InterruptedException}. */
		INTERRUPTED

	}

	/**
	 * What the rounds did.
	 * @param rounds the rounds run
	 * @param interrupted the rounds whose acquire threw {@link InterruptedException}
	 * @param hits the interrupted rounds in which a grant was made all the same
	 * @param gapNanos the gap between release and interrupt the rounds ended at
	 * @param took how long the rounds took
	 */
	public record Result(int rounds, int interrupted, int hits, long gapNanos, Duration took) {

		@Override
		public String toString() {
			return this.rounds + " rounds (" + this.interrupted + " interrupted, " + this.hits
					+ " hits of the window) in " + this.took.toMillis() + " ms, gap at " + this.gapNanos / 1000 + " µs";
		}

	}

	/** Counts the requests of a manager that ended granted, by their acquisition observations. */
	private static final class GrantedRequests implements ObservationHandler<LockAcquisitionContext> {

		private final AtomicInteger granted;

		GrantedRequests(AtomicInteger granted) {
			this.granted = granted;
		}

		@Override
		public void onStop(LockAcquisitionContext context) {
			if (context.getOutcome() == LockAcquisitionContext.Outcome.ACQUIRED) {
				this.granted.incrementAndGet();
			}
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return context instanceof LockAcquisitionContext;
		}

	}

}
