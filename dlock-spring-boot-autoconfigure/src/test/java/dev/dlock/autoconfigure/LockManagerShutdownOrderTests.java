package dev.dlock.autoconfigure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;

import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;
import dev.dlock.spring.lifecycle.LockManagerLifecycle;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where the lock manager is closed in the shutdown order of the application context:
 * after the task executors have finished their tasks, before the connection factories
 * stop.
 */
class LockManagerShutdownOrderTests {

	/** The phase of Spring's task executors and schedulers. */
	private static final int EXECUTORS = SmartLifecycle.DEFAULT_PHASE / 2;

	/** The phase of Spring Data Redis's Lettuce connection factory. */
	private static final int CONNECTION_FACTORY = 0;

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory");

	@Test
	void lockManagerClosesAfterTheExecutorsAndBeforeTheConnectionFactoriesStop() {
		LockManagerWitness executor = new LockManagerWitness(EXECUTORS);
		LockManagerWitness connectionFactory = new LockManagerWitness(CONNECTION_FACTORY);
		LockHandle[] held = new LockHandle[1];
		this.runner.withBean("executor", LockManagerWitness.class, () -> executor)
			.withBean("connectionFactory", LockManagerWitness.class, () -> connectionFactory)
			.run((context) -> {
				assertThat(context).hasSingleBean(LockManagerLifecycle.class);
				LockManager lockManager = context.getBean(LockManager.class);
				executor.watch(lockManager);
				connectionFactory.watch(lockManager);
				held[0] = lockManager.tryAcquire("job", LockMode.EX).orElseThrow();
			});
		assertThat(executor.lockManagerOpenAtStop).as("open while the executors finish their tasks").isTrue();
		assertThat(connectionFactory.lockManagerOpenAtStop).as("open when the connection factory stops").isFalse();
		assertThat(held[0].isValid()).isFalse();
	}

	@Test
	void guardedTaskInProgressOnASpringExecutorKeepsItsLockUntilItEnds() throws Exception {
		InMemoryLockBackend backend = InMemoryLockBackend.create();
		CountDownLatch finish = new CountDownLatch(1);
		try (LockManager otherInstance = LockManagerBuilder.forBackend(backend).build()) {
			this.runner.withConfiguration(AutoConfigurations.of(DlockAopAutoConfiguration.class))
				.withBean(LockBackend.class, () -> backend, (definition) -> definition.setDestroyMethodName(""))
				.withBean(ThreadPoolTaskExecutor.class, ThreadPoolTaskExecutor::new)
				.withBean(Job.class, () -> new Job(finish))
				.run((context) -> {
					ThreadPoolTaskExecutor executor = context.getBean(ThreadPoolTaskExecutor.class);
					Job job = context.getBean(Job.class);
					Future<?> task = executor.submit(job::run);
					LockManager lockManager = context.getBean(LockManager.class);
					await().until(() -> lockManager.locks()
						.stream()
						.anyMatch((lock) -> lock.state() == LockInfo.State.HELD));
					CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close,
							(runnable) -> new Thread(runnable, "closing").start());
					await().until(() -> !executor.isRunning());
					assertThat(otherInstance.tryAcquire("job", LockMode.EX)).as("held while the task runs").isEmpty();
					finish.countDown();
					closing.join();
					assertThat(task).isDone();
				});
			try (LockHandle handle = otherInstance.tryAcquire("job", LockMode.EX).orElseThrow()) {
				assertThat(handle.isValid()).isTrue();
			}
		}
	}

	@Test
	void lockManagerStaysOpenWhileTheContextIsPaused() {
		this.runner.run((context) -> {
			context.getSourceApplicationContext().pause();
			try (LockHandle handle = context.getBean(LockManager.class).tryAcquire("paused", LockMode.EX).orElseThrow()) {
				assertThat(handle.isValid()).isTrue();
			}
		});
	}

	/**
	 * A guarded task that runs until it is told to finish.
	 */
	static class Job {

		private final CountDownLatch finish;

		Job(CountDownLatch finish) {
			this.finish = finish;
		}

		@DistributedLock(key = "job", waitTime = "0s")
		public void run() {
			try {
				this.finish.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

	/**
	 * A lifecycle in a given phase that notes, when it is stopped, whether the lock manager
	 * still takes requests.
	 */
	static final class LockManagerWitness implements SmartLifecycle {

		private final int phase;

		private @Nullable LockManager lockManager;

		private volatile boolean running;

		volatile @Nullable Boolean lockManagerOpenAtStop;

		LockManagerWitness(int phase) {
			this.phase = phase;
		}

		void watch(LockManager lockManager) {
			this.lockManager = lockManager;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			LockManager watched = this.lockManager;
			if (watched == null) {
				return;
			}
			try {
				watched.tryAcquire("witness-" + this.phase, LockMode.NL).ifPresent(LockHandle::release);
				this.lockManagerOpenAtStop = true;
			}
			catch (LockBackendException ex) {
				this.lockManagerOpenAtStop = false;
			}
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return this.phase;
		}

	}

}
