package dev.dlock.spring.aop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.OnLockLost;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;
import dev.dlock.tck.CuttableBackend;
import dev.dlock.tck.CuttableBackend.RenewalRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.aop.framework.ProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Loss-aware {@code @DistributedLock} methods and {@code callWithLock}, written once and
 * run against every backend: while a {@code Mono}, a {@code Flux}, a
 * {@code CompletableFuture}, a blocking method with {@code onLost = INTERRUPT} and a
 * {@code callWithLock(..., INTERRUPT, ...)} task work under their locks, the client loses
 * the backend (a subclass pauses the server with SIGSTOP) past the lease. Each must end
 * for its caller with a {@link LockLostException} naming its key, mode and token, within
 * one lease of the last renewal that was sent and confirmed; each does its work in steps
 * that look at {@code isValid()}, at most one step (the one under way) may see the lock
 * invalid, and no step runs once the caller was told. A blocking method with the default
 * {@code onLost} runs on meanwhile, is not interrupted, sees {@code isValid()} turn false and
 * returns its result.
 */
public abstract class LossAwareMethodsConformanceKit {

	/** Short, so that the test stays quick; etcd rounds shorter leases up to 2 s. */
	protected static final Duration LEASE = Duration.ofSeconds(2);

	/** How long after the lease's end the caller may be told: timer and thread hand-off. */
	private static final Duration SLACK = Duration.ofMillis(250);

	/** How often the methods do a step of work. */
	private static final Duration STEP = Duration.ofMillis(100);

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final Map<String, Steps> steps = new ConcurrentHashMap<>();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

	private final ExecutorService blockingCallers = Executors.newFixedThreadPool(3);

	private final List<Disposable> subscriptions = new ArrayList<>();

	private @Nullable CuttableBackend backend;

	private @Nullable LockManager manager;

	/**
	 * A new backend with a client of its own, on a server that {@link #pause} can pause.
	 * @return the backend; the kit closes it
	 */
	protected abstract LockBackend createBackend();

	/**
	 * Makes the backend unreachable for the client, for example SIGSTOP of the server.
	 * @param backend the client's backend
	 */
	protected abstract void pause(CuttableBackend backend);

	/**
	 * Undoes {@link #pause}.
	 * @param backend the client's backend
	 */
	protected abstract void resume(CuttableBackend backend);

	@BeforeEach
	void startManager() {
		this.backend = new CuttableBackend(createBackend());
		this.manager = LockManagerBuilder.forBackend(this.backend)
			.leaseTime(LEASE)
			.closeTimeout(Duration.ofMillis(500))
			.build();
		// a cold client's first calls (connection, scripts, session lease) can outlast the short lease
		LockManager manager = this.manager;
		await().atMost(WAIT.multipliedBy(2)).ignoreExceptions().until(() -> {
			manager.acquire("warm-up:" + UUID.randomUUID(), LockMode.EX, WAIT).release();
			return true;
		});
	}

	@AfterEach
	void stop() {
		this.subscriptions.forEach(Disposable::dispose);
		this.scheduler.shutdownNow();
		this.blockingCallers.shutdownNow();
		if (this.manager != null) {
			this.manager.close();
		}
		if (this.backend != null) {
			this.backend.close();
		}
	}

	@Test
	void everyKindOfMethodEndsWithLockLostWithinOneLeaseOfTheLastRenewalAndNoWorkRunsAfterwards() throws Exception {
		CuttableBackend backend = this.backend;
		LockManager manager = this.manager;
		Work target = new Work(this.steps, this.scheduler);
		Work work = proxy(target, manager);
		String run = UUID.randomUUID().toString();
		String monoKey = run + ":mono";
		String fluxKey = run + ":flux";
		String futureKey = run + ":future";
		String blockingKey = run + ":blocking";
		String callKey = run + ":callWithLock";

		Outcome mono = new Outcome();
		this.subscriptions.add(work.mono(monoKey).subscribe(mono::value, mono::failed, mono::completed));
		Outcome flux = new Outcome();
		this.subscriptions.add(work.flux(fluxKey).subscribe(flux::value, flux::failed, flux::completed));
		Outcome future = new Outcome();
		work.future(futureKey).whenComplete((value, failure) -> {
			if (failure != null) {
				future.failed(failure);
			}
			else {
				future.value(value);
			}
		});
		Outcome blocking = new Outcome();
		this.blockingCallers.execute(() -> blocking.call(() -> work.blocking(blockingKey)));
		Outcome callWithLock = new Outcome();
		this.blockingCallers.execute(() -> callWithLock.call(() -> manager.callWithLock(callKey, LockMode.EX,
				LockOptions.waitTime(WAIT), OnLockLost.INTERRUPT, () -> target.steps(callKey, null))));
		String continuingKey = run + ":continuing";
		Outcome continuing = new Outcome();
		this.blockingCallers.execute(() -> continuing.call(() -> continuing.value(work.continuing(continuingKey))));
		List<String> keys = List.of(monoKey, fluxKey, futureKey, blockingKey, callKey);
		await().atMost(WAIT)
			.until(() -> keys.stream().allMatch((key) -> steps(key).count() > 0) && steps(continuingKey).count() > 0);
		long allRunning = System.nanoTime();
		await().atMost(WAIT).until(() -> lastRenewalSent(backend) > allRunning);

		pause(backend);
		try {
			List<Outcome> outcomes = List.of(mono, flux, future, blocking, callWithLock);
			await().atMost(LEASE.multipliedBy(2).plus(WAIT))
				.pollInterval(Duration.ofMillis(10))
				.until(() -> outcomes.stream().allMatch(Outcome::ended) && continuing.ended());
			long lastRenewal = lastRenewalSent(backend);
			for (int i = 0; i < keys.size(); i++) {
				String key = keys.get(i);
				Outcome outcome = outcomes.get(i);
				assertThat(outcome.failure).as(key).isInstanceOf(LockLostException.class);
				LockLostException loss = (LockLostException) outcome.failure;
				assertThat(loss.key()).as(key).isEqualTo(key);
				assertThat(loss.mode()).as(key).isEqualTo(LockMode.EX);
				if (steps(key).token() != null) {
					assertThat(loss.fencingToken()).as(key).isEqualTo(steps(key).token());
				}
				assertThat(Duration.ofNanos(outcome.endedAt - lastRenewal)).as(key)
					.isLessThanOrEqualTo(LEASE.plus(SLACK));
				assertThat(outcome.completedNormally).as(key).isFalse();
				assertThat(outcome.interruptedAfterwards).as(key).isFalse();
			}
			assertThat(flux.valuesAfterTheEnd).hasValue(0);
			// the default for blocking methods: not interrupted; it saw isValid() turn false and returned
			assertThat(continuing.completedNormally).isTrue();
			assertThat(continuing.lastValue).isEqualTo((long) steps(continuingKey).count());
			assertThat(steps(continuingKey).invalidSeen()).isEqualTo(1);
			assertThat(continuing.interruptedAfterwards).isFalse();
			for (String key : keys) {
				assertThat(steps(key).invalidSeen()).as(key).isLessThanOrEqualTo(1);
			}
			Map<String, Integer> counts = new ConcurrentHashMap<>();
			keys.forEach((key) -> counts.put(key, steps(key).count()));
			// the work was cancelled, not only abandoned: no further step in several periods
			await().during(STEP.multipliedBy(4))
				.atMost(STEP.multipliedBy(8))
				.until(() -> keys.stream().allMatch((key) -> steps(key).count() == counts.get(key)));
			// the pool thread that ran a blocking call is not interrupted for its next task
			assertThat(this.blockingCallers.submit(() -> Thread.currentThread().isInterrupted()).get(5,
					TimeUnit.SECONDS))
				.isFalse();
		}
		finally {
			resume(backend);
		}
	}

	private static Work proxy(Work target, LockManager manager) {
		ProxyFactory factory = new ProxyFactory(target);
		factory.setProxyTargetClass(true);
		factory.addAdvisor(new DistributedLockAdvisor(new DistributedLockInterceptor(manager)));
		return (Work) factory.getProxy();
	}

	private Steps steps(String key) {
		return this.steps.computeIfAbsent(key, (k) -> new Steps());
	}

	private static long lastRenewalSent(CuttableBackend backend) {
		return backend.renewals()
			.stream()
			.filter(RenewalRecord::succeeded)
			.mapToLong(RenewalRecord::sentAt)
			.max()
			.orElse(Long.MIN_VALUE);
	}

	/**
	 * Methods that work in steps until they are stopped, each step looking at
	 * {@code isValid()}.
	 */
	public static class Work {

		private final Map<String, Steps> steps;

		private final ScheduledExecutorService scheduler;

		public Work(Map<String, Steps> steps, ScheduledExecutorService scheduler) {
			this.steps = steps;
			this.scheduler = scheduler;
		}

		@DistributedLock(key = "#{#key}")
		public Mono<Long> mono(String key) {
			return Mono.deferContextual((context) -> {
				LockHandle handle = context.get(LockHandle.class);
				return Flux.interval(STEP).doOnNext((tick) -> step(key, handle)).then(Mono.just(0L));
			});
		}

		@DistributedLock(key = "#{#key}")
		public Flux<Long> flux(String key) {
			return Flux.deferContextual((context) -> {
				LockHandle handle = context.get(LockHandle.class);
				return Flux.interval(STEP).map((tick) -> step(key, handle));
			});
		}

		@DistributedLock(key = "#{#key}")
		public CompletableFuture<Long> future(String key) {
			LockHandle handle = DistributedLocks.currentHandle().orElseThrow();
			CompletableFuture<Long> result = new CompletableFuture<>();
			this.scheduler.execute(new Runnable() {

				@Override
				public void run() {
					// the work stops when its future is cancelled
					if (!result.isDone()) {
						step(key, handle);
						Work.this.scheduler.schedule(this, STEP.toMillis(), TimeUnit.MILLISECONDS);
					}
				}

			});
			return result;
		}

		@DistributedLock(key = "#{#key}", onLost = OnLockLost.INTERRUPT)
		public long blocking(String key) throws InterruptedException {
			return steps(key, DistributedLocks.currentHandle().orElseThrow());
		}

		@DistributedLock(key = "#{#key}")
		public long continuing(String key) throws InterruptedException {
			LockHandle handle = DistributedLocks.currentHandle().orElseThrow();
			BlockingQueue<Object> nothing = new LinkedBlockingQueue<>();
			while (true) {
				long done = step(key, handle);
				if (!handle.isValid()) {
					return done;
				}
				nothing.poll(STEP.toMillis(), TimeUnit.MILLISECONDS);
			}
		}

		/**
		 * Steps until interrupted, waiting between steps in an interruptible call as real
		 * work would (a queue, a socket, a JDBC call).
		 */
		long steps(String key, @Nullable LockHandle handle) throws InterruptedException {
			BlockingQueue<Object> nothing = new LinkedBlockingQueue<>();
			while (true) {
				step(key, handle);
				nothing.poll(STEP.toMillis(), TimeUnit.MILLISECONDS);
			}
		}

		private long step(String key, @Nullable LockHandle handle) {
			return this.steps.computeIfAbsent(key, (k) -> new Steps()).step(handle);
		}

	}

	/** The steps one method did, and how many of them saw the lock invalid. */
	public static final class Steps {

		private final AtomicInteger count = new AtomicInteger();

		private final AtomicInteger invalidSeen = new AtomicInteger();

		private volatile @Nullable Long token;

		long step(@Nullable LockHandle handle) {
			if (handle != null) {
				this.token = handle.fencingToken();
				if (!handle.isValid()) {
					this.invalidSeen.incrementAndGet();
				}
			}
			return this.count.incrementAndGet();
		}

		int count() {
			return this.count.get();
		}

		int invalidSeen() {
			return this.invalidSeen.get();
		}

		@Nullable Long token() {
			return this.token;
		}

	}

	/** How a call ended for its caller. */
	private static final class Outcome {

		private volatile @Nullable Throwable failure;

		private volatile long endedAt;

		private volatile boolean ended;

		private volatile boolean completedNormally;

		private volatile boolean interruptedAfterwards;

		private final AtomicInteger valuesAfterTheEnd = new AtomicInteger();

		private volatile @Nullable Object lastValue;

		void value(Object value) {
			this.lastValue = value;
			if (this.ended) {
				this.valuesAfterTheEnd.incrementAndGet();
			}
		}

		void failed(Throwable failure) {
			this.endedAt = System.nanoTime();
			this.failure = failure;
			this.ended = true;
		}

		void completed() {
			this.endedAt = System.nanoTime();
			this.completedNormally = true;
			this.ended = true;
		}

		void call(Blocking call) {
			Throwable failure = null;
			try {
				call.run();
			}
			catch (Throwable ex) {
				failure = ex;
			}
			long endedAt = System.nanoTime();
			this.interruptedAfterwards = Thread.currentThread().isInterrupted();
			this.endedAt = endedAt;
			this.failure = failure;
			this.completedNormally = failure == null;
			this.ended = true;
		}

		boolean ended() {
			return this.ended;
		}

	}

	@FunctionalInterface
	private interface Blocking {

		void run() throws Exception;

	}

}
