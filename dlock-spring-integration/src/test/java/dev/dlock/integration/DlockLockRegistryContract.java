package dev.dlock.integration;

import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;

import dev.dlock.InvalidLockRequestException;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.spi.LockBackend;
import dev.dlock.testserver.TestBackends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.handler.advice.LockRequestHandlerAdvice;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.LockRegistry;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The {@link Lock} contract of {@link DlockLockRegistry}'s locks, as Spring Integration's
 * own registries keep it, and two Spring Integration flows that lock through the registry,
 * on one backend. Whether a key is held is checked by another lock manager on a backend of
 * its own, as another process would see it; that manager is closed after each check, which
 * waits until the backend confirmed its releases.
 */
abstract class DlockLockRegistryContract {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final String key = "registry-" + UUID.randomUUID();

	/** A second owner thread. */
	private final ExecutorService other = Executors.newSingleThreadExecutor();

	private TestBackends backends;

	private LockManager lockManager;

	private DlockLockRegistry registry;

	private LockBackend observer;

	/**
	 * The backends of one test, in a namespace of their own.
	 * @return new backends
	 */
	protected abstract TestBackends createBackends();

	@BeforeEach
	void createRegistry() {
		this.backends = createBackends();
		this.lockManager = TestBackends.lockManager(this.backends.backend());
		this.registry = new DlockLockRegistry(this.lockManager);
		this.observer = this.backends.backend();
	}

	@AfterEach
	void closeRegistry() throws Exception {
		this.other.shutdownNow();
		this.lockManager.close();
		this.backends.close();
	}

	@Test
	void lockHoldsTheKeyAgainstOtherProcessesUntilUnlock() {
		Lock lock = this.registry.obtain(this.key);
		lock.lock();
		assertHeldForOthers(LockMode.EX);
		lock.unlock();
		awaitFreeForOthers();
	}

	@Test
	void lockIsReentrantOnItsThread() throws Exception {
		Lock lock = this.registry.obtain(this.key);
		lock.lock();
		assertThat(lock.tryLock()).isTrue();
		assertThat(lock.tryLock(1, TimeUnit.SECONDS)).isTrue();
		lock.unlock();
		this.registry.obtain(this.key).unlock();
		assertHeldForOthers(LockMode.EX);
		lock.unlock();
		awaitFreeForOthers();
		assertThatIllegalStateException().isThrownBy(lock::unlock);
	}

	@Test
	void unlockOnAnotherThreadThrowsIllegalStateException() {
		Lock lock = this.registry.obtain(this.key);
		lock.lock();
		assertThat(CompletableFuture.runAsync(lock::unlock, this.other)).failsWithin(TIMEOUT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(IllegalStateException.class);
		assertHeldForOthers(LockMode.EX);
		lock.unlock();
	}

	@Test
	void unlockWithoutHoldingThrowsIllegalStateException() {
		assertThatIllegalStateException().isThrownBy(() -> this.registry.obtain(this.key).unlock());
	}

	@Test
	void tryLockReturnsFalseWhileAnotherThreadHoldsTheKey() throws Exception {
		onOtherThread(() -> this.registry.obtain(this.key).lock());
		DistributedLock lock = this.registry.obtain(this.key);
		assertThat(lock.tryLock()).isFalse();
		assertThat(lock.tryLock(50, TimeUnit.MILLISECONDS)).isFalse();
		assertThat(lock.tryLock(Duration.ZERO, TestBackends.LEASE)).isFalse();
		onOtherThread(() -> this.registry.obtain(this.key).unlock());
	}

	@Test
	void tryLockWithTimeWaitsUntilTheHolderUnlocks() throws Exception {
		onOtherThread(() -> this.registry.obtain(this.key).lock());
		AtomicBoolean granted = new AtomicBoolean();
		Thread waiter = new Thread(() -> {
			Lock lock = this.registry.obtain(this.key);
			try {
				granted.set(lock.tryLock(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
			}
			catch (InterruptedException ex) {
				return;
			}
			lock.unlock();
		});
		waiter.start();
		awaitWaiting();
		onOtherThread(() -> this.registry.obtain(this.key).unlock());
		waiter.join(TIMEOUT.toMillis());
		assertThat(granted).isTrue();
		awaitFreeForOthers();
	}

	@Test
	void lockInterruptiblyStopsWaitingWhenInterrupted() throws Exception {
		onOtherThread(() -> this.registry.obtain(this.key).lock());
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread waiter = new Thread(() -> {
			try {
				this.registry.obtain(this.key).lockInterruptibly();
			}
			catch (InterruptedException ex) {
				failure.set(ex);
			}
		});
		waiter.start();
		awaitWaiting();
		waiter.interrupt();
		waiter.join(TIMEOUT.toMillis());
		assertThat(failure.get()).isInstanceOf(InterruptedException.class);
		onOtherThread(() -> this.registry.obtain(this.key).unlock());
		// the interrupted request left the queue: nobody holds the key now
		awaitFreeForOthers();
	}

	@Test
	void lockKeepsWaitingWhenInterruptedAndKeepsTheInterrupt() throws Exception {
		onOtherThread(() -> this.registry.obtain(this.key).lock());
		AtomicBoolean interruptedWhenGranted = new AtomicBoolean();
		Thread waiter = new Thread(() -> {
			Lock lock = this.registry.obtain(this.key);
			lock.lock();
			interruptedWhenGranted.set(Thread.currentThread().isInterrupted());
			lock.unlock();
		});
		waiter.start();
		awaitWaiting();
		waiter.interrupt();
		onOtherThread(() -> this.registry.obtain(this.key).unlock());
		waiter.join(TIMEOUT.toMillis());
		assertThat(waiter.isAlive()).isFalse();
		assertThat(interruptedWhenGranted).isTrue();
		awaitFreeForOthers();
	}

	@Test
	void conditionsAreNotSupported() {
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> this.registry.obtain(this.key).newCondition());
	}

	@Test
	void sharedModeIsHeldTogetherAndExcludesExclusiveOnOtherThreads() throws Exception {
		onOtherThread(() -> this.registry.obtain(this.key, LockMode.PR).lock());
		Lock shared = this.registry.obtain(this.key, LockMode.PR);
		assertThat(shared.tryLock()).isTrue();
		assertHeldForOthers(LockMode.EX);
		// a thread that holds none of the key waits for the two PR holders
		assertThat(CompletableFuture.supplyAsync(() -> this.registry.obtain(this.key).tryLock()))
			.succeedsWithin(TIMEOUT)
			.isEqualTo(false);
		// a PR holder asking for EX would wait for itself: refused at once
		assertThatExceptionOfType(InvalidLockRequestException.class)
			.isThrownBy(() -> this.registry.obtain(this.key).tryLock());
		shared.unlock();
		onOtherThread(() -> this.registry.obtain(this.key, LockMode.PR).unlock());
		awaitFreeForOthers();
	}

	@Test
	void renewLockChecksThatTheCurrentThreadHoldsTheKey() {
		Lock lock = this.registry.obtain(this.key);
		lock.lock();
		this.registry.renewLock(this.key);
		this.registry.renewLock(this.key, Duration.ofSeconds(10));
		assertThat(CompletableFuture.runAsync(() -> this.registry.renewLock(this.key), this.other))
			.failsWithin(TIMEOUT)
			.withThrowableOfType(ExecutionException.class)
			.withCauseInstanceOf(IllegalStateException.class);
		lock.unlock();
		assertThatIllegalStateException().isThrownBy(() -> this.registry.renewLock(this.key));
	}

	@Test
	void unlockOfALostLockThrowsConcurrentModificationException() {
		Lock lock = this.registry.obtain(this.key);
		lock.lock();
		this.lockManager.close();
		assertThatExceptionOfType(ConcurrentModificationException.class).isThrownBy(lock::unlock);
	}

	@Test
	void keysMustBeStrings() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.registry.obtain(42));
	}

	@Test
	void lockRequestHandlerAdviceRunsOneMessageAtATime() {
		try (AnnotationConfigApplicationContext context = flows()) {
			Counter counter = context.getBean(Counter.class);
			MessageChannel input = context.getBean("guarded.input", MessageChannel.class);
			int messages = 40;
			for (int i = 0; i < messages; i++) {
				input.send(MessageBuilder.withPayload(i).build());
			}
			await().atMost(TIMEOUT.multipliedBy(3)).untilAsserted(() -> assertThat(counter.count()).isEqualTo(messages));
			assertThat(counter.overlaps()).isZero();
			assertThat(counter.unlockedCalls()).as("calls that ran without the lock held by this manager").isZero();
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void aggregatorReleasesEveryGroupWhole() {
		try (AnnotationConfigApplicationContext context = flows()) {
			MessageChannel input = context.getBean("orders.input", MessageChannel.class);
			QueueChannel released = context.getBean("released", QueueChannel.class);
			int orders = 10;
			for (int line = 0; line < 3; line++) {
				for (int order = 0; order < orders; order++) {
					input.send(MessageBuilder.withPayload(line).setHeader("order", this.key + order).build());
				}
			}
			for (int order = 0; order < orders; order++) {
				Message<?> group = released.receive(TIMEOUT.toMillis() * 3);
				assertThat(group).isNotNull();
				assertThat((List<Object>) group.getPayload()).containsExactlyInAnyOrder(0, 1, 2);
			}
			assertThat(released.receive(0)).isNull();
		}
	}

	private AnnotationConfigApplicationContext flows() {
		AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
		context.registerBean(DlockLockRegistry.class, () -> this.registry);
		context.registerBean(LockManager.class, () -> this.lockManager, (definition) -> definition.setDestroyMethodName(""));
		context.register(Flows.class);
		context.refresh();
		return context;
	}

	private void onOtherThread(Runnable action) {
		assertThat(CompletableFuture.runAsync(action, this.other)).succeedsWithin(TIMEOUT.multipliedBy(2));
	}

	private void awaitWaiting() {
		await().atMost(TIMEOUT)
			.until(() -> this.lockManager.locks()
				.stream()
				.anyMatch((info) -> info.key().equals(this.key) && info.state() == LockInfo.State.WAITING));
	}

	private void assertHeldForOthers(LockMode mode) {
		try (LockManager probe = TestBackends.lockManager(this.observer)) {
			assertThat(probe.tryAcquire(this.key, mode)).as("'%s' held against another process", this.key).isEmpty();
		}
	}

	private void awaitFreeForOthers() {
		try (LockManager probe = TestBackends.lockManager(this.observer)) {
			await().atMost(TIMEOUT).until(() -> probe.tryAcquire(this.key, LockMode.EX).map((handle) -> {
				handle.release();
				return true;
			}).orElse(false));
		}
	}

	/**
	 * A service that counts calls without synchronisation of its own, and notes calls that
	 * overlapped or ran while the lock manager did not hold the advice's key.
	 */
	static final class Counter {

		static final String KEY = "counter";

		private final AtomicInteger active = new AtomicInteger();

		private final AtomicInteger overlaps = new AtomicInteger();

		private final AtomicInteger unlockedCalls = new AtomicInteger();

		private final LockManager lockManager;

		private volatile int count;

		Counter(LockManager lockManager) {
			this.lockManager = lockManager;
		}

		public void increment(Object payload) {
			if (this.active.incrementAndGet() > 1) {
				this.overlaps.incrementAndGet();
			}
			if (this.lockManager.locks()
				.stream()
				.noneMatch((info) -> info.key().equals(KEY) && info.state() == LockInfo.State.HELD)) {
				this.unlockedCalls.incrementAndGet();
			}
			int read = this.count;
			Thread.yield();
			this.count = read + 1;
			this.active.decrementAndGet();
		}

		int count() {
			return this.count;
		}

		int overlaps() {
			return this.overlaps.get();
		}

		int unlockedCalls() {
			return this.unlockedCalls.get();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableIntegration
	static class Flows {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService flowExecutor() {
			return Executors.newFixedThreadPool(4);
		}

		@Bean
		Counter counter(LockManager lockManager) {
			return new Counter(lockManager);
		}

		@Bean
		IntegrationFlow guarded(ExecutorService flowExecutor, Counter counter, LockRegistry<?> lockRegistry) {
			return (flow) -> flow.channel((channels) -> channels.executor(flowExecutor))
				.handle(counter, "increment",
						(endpoint) -> endpoint.advice(new LockRequestHandlerAdvice(lockRegistry, Counter.KEY)));
		}

		@Bean
		QueueChannel released() {
			return new QueueChannel();
		}

		@Bean
		IntegrationFlow orders(ExecutorService flowExecutor, LockRegistry<?> lockRegistry) {
			return (flow) -> flow.channel((channels) -> channels.executor(flowExecutor))
				.aggregate((aggregator) -> aggregator.correlationExpression("headers.order")
					.releaseStrategy((group) -> group.size() == 3)
					.lockRegistry(lockRegistry)
					.expireGroupsUponCompletion(true))
				.channel("released");
		}

	}

}
