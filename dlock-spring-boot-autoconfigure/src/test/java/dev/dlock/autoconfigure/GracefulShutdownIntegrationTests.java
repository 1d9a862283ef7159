package dev.dlock.autoconfigure;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;

import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockBackend;
import dev.dlock.spring.aop.LockProbe;
import dev.dlock.testserver.EtcdServer;
import dev.dlock.testserver.NatsServer;
import dev.dlock.testserver.RedisServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing an application context gives its locks back at once, on every backend: the
 * lock manager is stopped before the clients it uses (issue #13, defect 9). Before, the
 * Redis client of Spring Data Redis was stopped first, so the close waited 5 s for
 * removals that could not be sent and the locks stayed held until their lease ran out.
 */
class GracefulShutdownIntegrationTests {

	private static final Duration BOUND = Duration.ofSeconds(1);

	/** The in-memory "server" that both instances share, as two instances share Redis. */
	private static final InMemoryLockBackend memory = InMemoryLockBackend.create();

	@ParameterizedTest
	@EnumSource(Backend.class)
	void closingAContextFreesItsLocksForAnotherInstanceWithinASecond(Backend backend) {
		ApplicationContextRunner runner = backend.configure(new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
			.withBean(Job.class));
		String held = "held:" + UUID.randomUUID();
		String kept = "kept:" + UUID.randomUUID();
		String awaited = "awaited:" + UUID.randomUUID();
		runner.run((other) -> runner.run((closing) -> {
			LockProbe otherInstance = new LockProbe(other.getBean(LockManager.class));
			LockManager closingManager = closing.getBean(LockManager.class);
			closingManager.tryAcquire(held, LockMode.EX).orElseThrow();
			closing.getBean(Job.class).run(kept);
			LockHandle blocker = otherInstance.hold(awaited, LockMode.EX);
			CompletableFuture<LockHandle> waiting = closingManager.acquireAsync(awaited, LockMode.EX,
					LockOptions.waitTime(Duration.ofMinutes(1)));
			await().until(() -> closingManager.locks().stream().anyMatch(this::isWaiting));
			assertThat(otherInstance.isHeld(held)).isTrue();
			assertThat(otherInstance.isHeld(kept)).as("kept for its minimum hold time").isTrue();

			long start = System.nanoTime();
			closing.close();
			Duration took = Duration.ofNanos(System.nanoTime() - start);

			assertThat(took).as("time to close the context").isLessThan(BOUND);
			// failed by close(); the caller's future completes on the callback executor
			assertThat(waiting).failsWithin(BOUND).withThrowableOfType(ExecutionException.class);
			await().atMost(BOUND.minus(took))
				.until(() -> otherInstance.canAcquire(held, LockMode.EX) && otherInstance.canAcquire(kept, LockMode.EX));
			blocker.release();
			await().atMost(BOUND).until(() -> otherInstance.canAcquire(awaited, LockMode.EX));
		}));
	}

	private boolean isWaiting(LockInfo lock) {
		return lock.state() == LockInfo.State.WAITING;
	}

	/**
	 * How two instances of an application reach the same backend.
	 */
	enum Backend {

		MEMORY((runner) -> runner.withPropertyValues("dlock.backend=memory")
			.withBean(LockBackend.class, () -> memory, (definition) -> definition.setDestroyMethodName(""))),

		REDIS((runner) -> runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
			.withPropertyValues("dlock.backend=redis", "spring.data.redis.url=" + RedisServer.shared().uri())),

		ETCD((runner) -> runner.withPropertyValues("dlock.backend=etcd",
				"dlock.etcd.endpoints=" + EtcdServer.shared().endpoint())),

		NATS((runner) -> runner.withPropertyValues("dlock.backend=nats", "dlock.nats.url=" + NatsServer.shared().url()));

		private final UnaryOperator<ApplicationContextRunner> configuration;

		Backend(UnaryOperator<ApplicationContextRunner> configuration) {
			this.configuration = configuration;
		}

		ApplicationContextRunner configure(ApplicationContextRunner runner) {
			return this.configuration.apply(runner);
		}

	}

	/**
	 * A scheduled-style job whose lock is kept for a minute after it returned.
	 */
	static class Job {

		@DistributedLock(key = "#{#a0}", waitTime = "0s", minHoldTime = "1m")
		public void run(String key) {
		}

	}

}
