package dev.dlock.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.QueueState.Status;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests and conversions at random, at the SPI, by 8 threads over a few sessions (each
 * on a backend of its own, as separate processes would be) on a few keys, for a while:
 * every mode held is recorded in a {@link History}, to be checked for conflicting overlaps
 * and token order. A request is granted or withdrawn; then, half the time, it converts to a
 * random mode (waiting or not), and a conversion not granted within half a second is
 * withdrawn with {@link LockSession#cancelConversion}; the entry is renewed once and
 * removed.
 *
 * @since 0.1.0
 */
public final class ConvertingWorkload {

	private static final int THREADS = 8;

	private static final long UNKNOWN_TOKEN = -1;

	private ConvertingWorkload() {
	}

	/**
	 * Runs the workload.
	 * @param sessions the sessions, each on a backend of its own, with a lease long enough
	 * that no entry needs renewing while it waits
	 * @param keys the lock keys
	 * @param duration how long the threads start new requests
	 * @return what was held, and how many conversions were granted
	 * @throws Exception when a thread failed
	 */
	public static Result run(List<LockSession> sessions, List<String> keys, Duration duration) throws Exception {
		History history = new History();
		AtomicInteger conversions = new AtomicInteger();
		long stopAt = System.nanoTime() + duration.toNanos();
		ExecutorService workers = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				LockSession session = sessions.get(t % sessions.size());
				running.add(workers.submit(() -> {
					while (System.nanoTime() - stopAt < 0) {
						work(session, keys, history, conversions);
					}
					return null;
				}));
			}
			for (Future<?> worker : running) {
				worker.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			workers.shutdownNow();
		}
		return new Result(history, conversions.get());
	}

	/**
	 * One acquisition in a random mode, perhaps converted to a random mode, recorded as one
	 * interval per mode held: an up-conversion's old mode is held until its grant is known,
	 * a down-conversion's (or one that does not cover the old mode) only until it is asked.
	 */
	private static void work(LockSession session, List<String> keys, History history, AtomicInteger conversions) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		String key = keys.get(random.nextInt(keys.size()));
		LockMode mode = LockMode.values()[random.nextInt(LockMode.values().length)];
		AcquireRequest request = new AcquireRequest(key, mode, UUID.randomUUID().toString().replace("-", ""), true);
		EnqueueResult result = session.enqueue(request).join();
		QueueEntry entry = result.entry();
		QueueState state = awaitGrant(result.state(), () -> session.poll(entry).join(), Duration.ofSeconds(3));
		if (state == null) {
			session.remove(request).join();
			return;
		}
		long token = state.tokenFor(entry.ticket());
		String note = "entry " + entry.ticket() + ", granted";
		long start = System.nanoTime();
		if (random.nextBoolean()) {
			LockMode target = LockMode.values()[random.nextInt(LockMode.values().length)];
			if (target != mode) {
				boolean keepsOld = target.covers(mode) && !mode.covers(target);
				if (!keepsOld) {
					history.record(key, mode, token, start, System.nanoTime(), note);
				}
				boolean waitIfBusy = random.nextBoolean();
				QueueState converted = session.convert(entry, target, waitIfBusy).join();
				converted = awaitGrant(converted, () -> session.poll(entry).join(), Duration.ofMillis(500));
				long now = System.nanoTime();
				if (keepsOld) {
					history.record(key, mode, token, start, now, note);
				}
				if (converted != null) {
					conversions.incrementAndGet();
					note = "entry " + entry.ticket() + ", converted from " + mode;
					mode = target;
					token = converted.tokenFor(entry.ticket());
				}
				else {
					LockMode ended = session.cancelConversion(entry, mode).join();
					note = "entry " + entry.ticket() + ", conversion to " + target + " (waitIfBusy " + waitIfBusy
							+ ") cancelled";
					if (ended != mode) {
						// granted after the wait gave up, and kept because it does not cover the old mode
						// (PR and CW): held with the conversion's token, which the withdrawal does not tell
						token = UNKNOWN_TOKEN;
					}
				}
				start = now;
			}
		}
		// held across a renewal of the entry, one more round trip in which others may ask
		assertThat(session.renew(List.of(entry)).join()).isEmpty();
		if (token != UNKNOWN_TOKEN) {
			history.record(key, mode, token, start, System.nanoTime(), note);
		}
		session.remove(request).join();
	}

	/** Polls until granted; {@code null} when refused or not granted within the time. */
	private static @Nullable QueueState awaitGrant(QueueState first, Supplier<QueueState> poll, Duration within) {
		QueueState state = first;
		if (state.status() == Status.WAITING) {
			try {
				state = await().atMost(within)
					.pollInterval(Duration.ofMillis(2))
					.until(poll::get, (polled) -> polled.status() != Status.WAITING);
			}
			catch (ConditionTimeoutException ex) {
				return null;
			}
		}
		return (state.status() == Status.GRANTED) ? state : null;
	}

	/**
	 * Runs the workload for 8 seconds on the given keys and checks what it held: more than 100
	 * grants and 20 conversions, no overlap of conflicting grants, tokens in real-time order
	 * between conflicting grants.
	 * @param sessions the sessions, each on a backend of its own
	 * @param keys the lock keys
	 * @throws Exception when a thread failed
	 */
	public static void runAndCheck(List<LockSession> sessions, List<String> keys) throws Exception {
		Result run = run(sessions, keys, Duration.ofSeconds(8));
		assertThat(run.history().size()).isGreaterThan(100);
		assertThat(run.conversions()).isGreaterThan(20);
		assertThat(run.history().conflictingOverlaps()).isEmpty();
		assertThat(run.history().tokenOrderViolations()).isEmpty();
	}

	/**
	 * What a run held.
	 *
	 * @param history every mode held, with its token and interval
	 * @param conversions how many conversions were granted
	 */
	public record Result(History history, int conversions) {

	}

}
