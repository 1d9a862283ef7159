package dev.dlock.spring.aop;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @DistributedLock} method converts the lock it runs under through
 * {@link DistributedLocks#currentHandle()}, and the interceptor releases the lock in
 * whatever mode the method left it.
 */
class DistributedLockConversionTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory")
		.withUserConfiguration(ConvertingConfiguration.class);

	private static String newKey() {
		return "convert:" + UUID.randomUUID();
	}

	@Test
	void upgradedLockIsHeldInTheNewModeWithANewTokenAndReleasedWhenTheMethodReturns() {
		this.runner.run((context) -> {
			String key = newKey();
			Converting converting = context.getBean(Converting.class);
			Conversion upgrade = converting.readThenWrite(key, () -> probe(context).canAcquire(key, LockMode.CR));
			assertThat(upgrade.before()).isEqualTo(LockMode.PR);
			assertThat(upgrade.after()).isEqualTo(LockMode.PW);
			assertThat(upgrade.tokenAfter()).isGreaterThan(upgrade.tokenBefore());
			assertThat(upgrade.othersWhileConverted()).as("CR readers still get in beside PW").isTrue();
			assertThat(upgrade.handle().isValid()).isFalse();
			awaitReleased(context, key);
		});
	}

	@Test
	void downgradedLockLetsReadersInWhileTheMethodRunsAndIsReleasedWhenItReturns() {
		this.runner.run((context) -> {
			String key = newKey();
			Conversion downgrade = context.getBean(Converting.class)
				.writeThenRead(key, () -> probe(context).canAcquire(key, LockMode.PR)
						&& !probe(context).canAcquire(key, LockMode.PW));
			assertThat(downgrade.after()).isEqualTo(LockMode.PR);
			assertThat(downgrade.othersWhileConverted()).as("PR readers get in, PW writers do not").isTrue();
			awaitReleased(context, key);
		});
	}

	@Test
	void upgradeWaitsForAnotherReaderWhileTheOldModeStaysHeld() {
		this.runner.run((context) -> {
			String key = newKey();
			LockManager lockManager = context.getBean(LockManager.class);
			LockHandle otherReader = probe(context).hold(key, LockMode.PR);
			CompletableFuture<Conversion> call = CompletableFuture.supplyAsync(
					() -> context.getBean(Converting.class).readThenWrite(key, () -> true),
					(task) -> new Thread(task).start());
			await().atMost(5, TimeUnit.SECONDS)
				.until(() -> lockManager.locks()
					.stream()
					.anyMatch((lock) -> lock.convertingTo() == LockMode.PW && lock.mode() == LockMode.PR
							&& lock.state() == LockInfo.State.HELD));
			assertThat(call).isNotDone();
			assertThat(probe(context).canAcquire(key, LockMode.CW)).as("PR is still held, so CW waits").isFalse();
			otherReader.release();
			assertThat(call.get(5, TimeUnit.SECONDS).after()).isEqualTo(LockMode.PW);
			awaitReleased(context, key);
		});
	}

	@Test
	void nestedCallOnTheSameKeyCannotConvertTheReentrantHoldAndTheOuterLockIsReleasedInItsMode() {
		this.runner.run((context) -> {
			String key = newKey();
			Outer outer = context.getBean(Outer.class);
			assertThatIllegalStateException().isThrownBy(() -> outer.readThenConvertInside(key))
				.withMessageContaining("re-entrant");
			awaitReleased(context, key);
		});
	}

	@Test
	void asyncMethodConvertsBeforeItsFutureCompletesAndTheLockIsReleasedAfterwards() {
		this.runner.run((context) -> {
			String key = newKey();
			LockHandle handle = context.getBean(Converting.class).readThenWriteAsync(key).get(5, TimeUnit.SECONDS);
			assertThat(handle.mode()).isEqualTo(LockMode.PW);
			assertThat(handle.isValid()).isFalse();
			awaitReleased(context, key);
		});
	}

	/** Release is asynchronous: the lock becomes free shortly after the method returned. */
	private static void awaitReleased(AssertableApplicationContext context, String key) {
		await().atMost(5, TimeUnit.SECONDS).until(() -> !probe(context).isHeld(key));
	}

	private static LockProbe probe(AssertableApplicationContext context) {
		return new LockProbe(context.getBean(LockManager.class));
	}

	/**
	 * What a method saw of its conversion.
	 * @param handle the method's handle
	 * @param before the mode it ran under
	 * @param tokenBefore the token before the conversion
	 * @param after the mode after the conversion
	 * @param tokenAfter the token after the conversion
	 * @param othersWhileConverted what the method's check of others said after converting
	 */
	record Conversion(LockHandle handle, LockMode before, long tokenBefore, LockMode after, long tokenAfter,
			boolean othersWhileConverted) {
	}

	@FunctionalInterface
	interface Check {

		boolean test();

	}

	@Configuration(proxyBeanMethods = false)
	static class ConvertingConfiguration {

		@Bean
		Converting converting() {
			return new Converting();
		}

		@Bean
		Outer outer(Converting converting) {
			return new Outer(converting);
		}

	}

	static class Converting {

		@DistributedLock(key = "#{#key}", mode = LockMode.PR, waitTime = "5s")
		public Conversion readThenWrite(String key, Check others) {
			return convert(LockMode.PW, others);
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.EX, waitTime = "5s")
		public Conversion writeThenRead(String key, Check others) {
			return convert(LockMode.PR, others);
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.PR, waitTime = "5s")
		public CompletableFuture<LockHandle> readThenWriteAsync(String key) {
			LockHandle handle = DistributedLocks.currentHandle().orElseThrow();
			return handle.convertAsync(LockMode.PW, LockOptions.waitTime(Duration.ofSeconds(5)))
				.thenApply((converted) -> {
					converted.ensureValid();
					return converted;
				});
		}

		private static Conversion convert(LockMode target, Check others) {
			LockHandle handle = DistributedLocks.currentHandle().orElseThrow();
			LockMode before = handle.mode();
			long tokenBefore = handle.fencingToken();
			try {
				handle.convert(target, Duration.ofSeconds(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			return new Conversion(handle, before, tokenBefore, handle.mode(), handle.fencingToken(), others.test());
		}

	}

	static class Outer {

		private final Converting converting;

		Outer(Converting converting) {
			this.converting = converting;
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.PR, waitTime = "5s")
		public void readThenConvertInside(String key) {
			// the nested call gets a re-entrant hold of this method's lock
			this.converting.readThenWrite(key, () -> true);
		}

	}

}
