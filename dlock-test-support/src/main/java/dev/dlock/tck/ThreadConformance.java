package dev.dlock.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;
import org.junit.jupiter.api.Test;

import static dev.dlock.tck.LockBackendConformanceKit.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The threads dlock starts for a backend and a lock manager on it: at most two, named
 * {@code dlock-…}, daemon, and none left once both are closed. Run for every backend as the
 * kit's nested {@code Threads} class. The client library's own threads are not counted:
 * only threads whose names start with {@code dlock-} are dlock's.
 *
 * @since 0.1.0
 */
public abstract class ThreadConformance {

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** Locks held at once: enough for several renewal batches on every backend. */
	private static final int HELD = 300;

	/**
	 * Makes a new, independent client of the backend under test; the check closes it.
	 * @return the backend
	 */
	protected abstract LockBackend createBackend();

	/**
	 * The lease time of the check's manager.
	 * @return the lease time
	 */
	protected abstract Duration leaseTime();

	@Test
	void aManagerAndItsBackendStartAtMostTwoDaemonThreadsAndNoneOutliveThem() throws Exception {
		Set<Thread> before = dlockThreads();
		Set<Thread> started = ConcurrentHashMap.newKeySet();
		LockBackend backend = createBackend();
		LockManager manager = LockManagerBuilder.forBackend(backend)
			.leaseTime(leaseTime())
			.maxRecheckInterval(leaseTime().dividedBy(2))
			.build();
		try {
			// holding many locks over renewal rounds
			List<LockHandle> held = new ArrayList<>();
			for (int i = 0; i < HELD; i++) {
				held.add(manager.acquire(newKey(), LockMode.PR, WAIT));
			}
			started.addAll(newSince(before));
			await().during(leaseTime().multipliedBy(3).dividedBy(2))
				.atMost(leaseTime().multipliedBy(3))
				.pollInterval(Duration.ofMillis(100))
				.until(() -> {
					started.addAll(newSince(before));
					return held.stream().allMatch(LockHandle::isValid);
				});
			// waiting, asynchronously and with a callback, behind a lock that converts up and
			// down and is released
			LockHandle first = held.get(0);
			CompletableFuture<LockHandle> waiter = manager.acquireAsync(first.key(), LockMode.EX,
					LockOptions.waitTime(WAIT));
			CompletableFuture<Set<Thread>> seenByCallback = waiter.thenApply((handle) -> newSince(before));
			started.addAll(newSince(before));
			first.convert(LockMode.EX, WAIT);
			first.convert(LockMode.NL, WAIT);
			first.release();
			LockHandle granted = waiter.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			started.addAll(seenByCallback.get(WAIT.toSeconds(), TimeUnit.SECONDS));
			granted.release();
			// releasing all
			held.subList(1, held.size()).forEach(LockHandle::release);
			started.addAll(newSince(before));
		}
		finally {
			manager.close();
			backend.close();
		}
		assertThat(started).hasSizeLessThanOrEqualTo(2).allMatch(Thread::isDaemon, "daemon");
		await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(Thread::isAlive));
	}

	private static Set<Thread> newSince(Set<Thread> before) {
		Set<Thread> now = dlockThreads();
		now.removeAll(before);
		return now;
	}

	/** The live threads whose names say they are dlock's. */
	private static Set<Thread> dlockThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith("dlock-"))
			.collect(Collectors.toCollection(ConcurrentHashMap::newKeySet));
	}

}
