package dev.dlock.spring.aop;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.annotation.DistributedLock.OnBusy;
import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The {@code @DistributedLock} interceptor on methods that return plain values, on the
 * in-memory backend: keys, modes, waiting, skipping, failures, re-entrancy and start-up
 * validation.
 */
class DistributedLockInterceptorTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory", "test.wait=3s")
		.withUserConfiguration(GuardedConfiguration.class);

	private static String newKey() {
		return UUID.randomUUID().toString();
	}

	@Test
	void keyIsEvaluatedFromAnArgumentByName() {
		this.runner.run((context) -> {
			Order order = new Order(newKey());
			LockHandle handle = context.getBean(Guarded.class).ship(order);
			assertThat(handle.key()).isEqualTo("order:" + order.id());
			assertThat(handle.mode()).isEqualTo(LockMode.EX);
		});
	}

	@Test
	void keyIsEvaluatedFromArgumentsByPosition() {
		this.runner.run((context) -> {
			String first = newKey();
			assertThat(context.getBean(Guarded.class).positional(first, 7).key()).isEqualTo(first + "/7");
		});
	}

	@Test
	void handleIsBoundOnlyWhileTheMethodRuns() {
		this.runner.run((context) -> {
			Guarded guarded = context.getBean(Guarded.class);
			String key = newKey();
			LockHandle handle = guarded.exclusive(key);
			assertThat(handle.isValid()).isFalse();
			assertThat(DistributedLocks.currentHandle()).isEmpty();
			awaitReleased(context, key);
		});
	}

	@ParameterizedTest
	@EnumSource(LockMode.class)
	void everyModeIsRequestedAsAnnotated(LockMode mode) {
		this.runner.run((context) -> {
			String key = newKey();
			assertThat(inMode(context.getBean(Guarded.class), mode, key).mode()).isEqualTo(mode);
		});
	}

	@ParameterizedTest
	@EnumSource(LockMode.class)
	void everyModeConflictsAsTheMatrixSays(LockMode mode) {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			try (LockHandle held = probe(context).hold(key, LockMode.PR)) {
				if (LockMode.PR.isCompatibleWith(mode)) {
					assertThat(inMode(guarded, mode, key).mode()).isEqualTo(mode);
				}
				else {
					assertThatExceptionOfType(LockAcquisitionTimeoutException.class)
						.isThrownBy(() -> inMode(guarded, mode, key));
				}
			}
		});
	}

	@Test
	void waitsForTheLockUpToTheWaitTime() {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			LockHandle held = probe(context).hold(key, LockMode.EX);
			CompletableFuture<LockHandle> call = CompletableFuture.supplyAsync(() -> guarded.waiting(key),
					(task) -> new Thread(task).start());
			await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> !call.isDone());
			held.release();
			assertThat(call.get(5, TimeUnit.SECONDS).key()).isEqualTo(key);
		});
	}

	@Test
	void throwsWhenBusyByDefault() {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			try (LockHandle held = probe(context).hold(key, LockMode.EX)) {
				assertThatExceptionOfType(LockAcquisitionTimeoutException.class)
					.isThrownBy(() -> guarded.throwing(key))
					.withMessageContaining(key);
				assertThat(guarded.runs()).isZero();
			}
		});
	}

	@Test
	void skipsWhenBusyWithNullEmptyOptionalOrNothing() {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			try (LockHandle held = probe(context).hold(key, LockMode.EX)) {
				assertThat(guarded.skipping(key)).isNull();
				assertThat(guarded.skippingOptional(key)).isEmpty();
				guarded.skippingVoid(key);
				assertThat(guarded.runs()).isZero();
			}
			assertThat(guarded.skipping(key)).isEqualTo("ran");
			assertThat(guarded.skippingOptional(key)).contains("ran");
			assertThat(guarded.runs()).isEqualTo(2);
		});
	}

	@Test
	void exceptionFromTheMethodReleasesTheLock() {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			assertThatIllegalStateException().isThrownBy(() -> guarded.failing(key)).withMessage("boom");
			awaitReleased(context, key);
		});
	}

	@Test
	void nestedCallsOnTheSameKeyAreReentrant() {
		this.runner.run((context) -> {
			String key = newKey();
			long[] tokens = context.getBean(Outer.class).outer(key);
			assertThat(tokens[1]).isEqualTo(tokens[0]);
			awaitReleased(context, key);
		});
	}

	@Test
	void nestedCallRestoresTheOuterHandle() {
		this.runner.run((context) -> {
			String outerKey = newKey();
			String innerKey = newKey();
			String[] keys = context.getBean(Outer.class).outerThenOther(outerKey, innerKey);
			assertThat(keys).containsExactly(innerKey, outerKey);
		});
	}

	@Test
	void placeholdersInDurationsAreResolved() {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			LockHandle held = probe(context).hold(key, LockMode.EX);
			CompletableFuture<LockHandle> call = CompletableFuture.supplyAsync(() -> guarded.placeholderWait(key),
					(task) -> new Thread(task).start());
			await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> !call.isDone());
			held.release();
			assertThat(call.get(5, TimeUnit.SECONDS).key()).isEqualTo(key);
		});
	}

	@Test
	void typeLevelAnnotationGuardsEveryPublicMethod() {
		this.runner.withBean(TypeLevel.class).run((context) -> {
			String key = newKey();
			TypeLevel typeLevel = context.getBean(TypeLevel.class);
			assertThat(typeLevel.first(key).key()).isEqualTo("type:" + key);
			assertThat(typeLevel.second(key).mode()).isEqualTo(LockMode.PR);
		});
	}

	@Test
	void annotationOnAnInterfaceMethodApplies() {
		this.runner.withBean(Greeter.class, DefaultGreeter::new).run((context) -> {
			String key = newKey();
			assertThat(context.getBean(Greeter.class).greet(key).key()).isEqualTo("greet:" + key);
		});
	}

	@Test
	void minHoldTimeKeepsTheLockAfterTheMethodReturnedWithoutBlockingTheCaller() {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			long started = System.nanoTime();
			guarded.minHold(key);
			assertThat(System.nanoTime() - started).isLessThan(TimeUnit.MILLISECONDS.toNanos(400));
			assertThat(probe(context).isHeld(key)).isTrue();
			await().atMost(5, TimeUnit.SECONDS).until(() -> !probe(context).isHeld(key));
			assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
		});
	}

	@Test
	void otherReturnTypesReleaseTheLockWhenTheMethodReturns() {
		this.runner.run((context) -> {
			String key = newKey();
			Future<String> future = context.getBean(Guarded.class).future(key);
			awaitReleased(context, key);
			((FutureTask<String>) future).run();
			assertThat(future.get()).isEqualTo("done");
		});
	}

	@Test
	void unannotatedMethodsRunWithoutLock() {
		this.runner.run((context) -> assertThat(context.getBean(Guarded.class).unguarded()).isEmpty());
	}

	@Test
	void waitingCallIsInterruptible() {
		this.runner.run((context) -> {
			String key = newKey();
			Guarded guarded = context.getBean(Guarded.class);
			try (LockHandle held = probe(context).hold(key, LockMode.EX)) {
				CompletableFuture<Throwable> failure = new CompletableFuture<>();
				CountDownLatch started = new CountDownLatch(1);
				Thread caller = new Thread(() -> {
					started.countDown();
					try {
						guarded.waiting(key);
						failure.complete(new AssertionError("acquired"));
					}
					catch (RuntimeException ex) {
						failure.complete(Thread.currentThread().isInterrupted() ? ex : new AssertionError("flag"));
					}
				});
				caller.start();
				started.await();
				await().atMost(2, TimeUnit.SECONDS).until(() -> caller.getState() != Thread.State.RUNNABLE);
				caller.interrupt();
				assertThat(failure.get(5, TimeUnit.SECONDS)).hasMessageContaining("Interrupted")
					.hasCauseInstanceOf(InterruptedException.class);
			}
		});
	}

	@Test
	void invalidKeyExpressionFailsTheStartUp() {
		this.runner.withBean(BadSyntax.class)
			.run((context) -> assertStartUpFailure(context, "BadSyntax.call", "not a valid template"));
	}

	@Test
	void unknownVariableInKeyFailsTheStartUp() {
		this.runner.withBean(UnknownVariable.class)
			.run((context) -> assertStartUpFailure(context, "UnknownVariable.call", "#nope"));
	}

	@Test
	void invalidDurationFailsTheStartUp() {
		this.runner.withBean(BadDuration.class)
			.run((context) -> assertStartUpFailure(context, "BadDuration.call", "'waitTime' value 'soon'"));
	}

	@Test
	void unknownPlaceholderFailsTheStartUp() {
		this.runner.withBean(UnknownPlaceholder.class)
			.run((context) -> assertStartUpFailure(context, "UnknownPlaceholder.call", "missing.lease"));
	}

	@Test
	void skipOnPrimitiveResultFailsTheStartUp() {
		this.runner.withBean(SkipPrimitive.class)
			.run((context) -> assertStartUpFailure(context, "SkipPrimitive.call", "returns int"));
	}

	@Test
	void annotatedFinalMethodFailsTheStartUp() {
		this.runner.withBean(FinalMethod.class)
			.run((context) -> assertStartUpFailure(context, "FinalMethod.call", "private, static or final"));
	}

	private static void assertStartUpFailure(AssertableApplicationContext context, String method, String reason) {
		assertThat(context).hasFailed();
		assertThat(context.getStartupFailure()).hasStackTraceContaining("Invalid @DistributedLock on")
			.hasStackTraceContaining(method)
			.hasStackTraceContaining(reason);
	}

	/** Release is asynchronous: the lock becomes free shortly after the method returned. */
	private static void awaitReleased(AssertableApplicationContext context, String key) {
		await().atMost(5, TimeUnit.SECONDS).until(() -> !probe(context).isHeld(key));
	}

	private static LockProbe probe(AssertableApplicationContext context) {
		return new LockProbe(context.getBean(LockManager.class));
	}

	/** Calls the method of a mode through the proxy (a call inside the bean would bypass it). */
	private static LockHandle inMode(Guarded guarded, LockMode mode, String key) {
		return switch (mode) {
			case NL -> guarded.nl(key);
			case CR -> guarded.cr(key);
			case CW -> guarded.cw(key);
			case PR -> guarded.pr(key);
			case PW -> guarded.pw(key);
			case EX -> guarded.ex(key);
		};
	}

	private static LockHandle current() {
		return DistributedLocks.currentHandle().orElseThrow();
	}

	record Order(String id) {
	}

	@Configuration(proxyBeanMethods = false)
	static class GuardedConfiguration {

		@Bean
		Guarded guarded() {
			return new Guarded();
		}

		@Bean
		Outer outer(Guarded guarded) {
			return new Outer(guarded);
		}

	}

	static class Guarded {

		private final AtomicInteger runs = new AtomicInteger();

		public int runs() {
			return this.runs.get();
		}

		@DistributedLock(key = "order:#{#order.id}")
		public LockHandle ship(Order order) {
			return current();
		}

		@DistributedLock(key = "#{#a0}/#{#p1}")
		public LockHandle positional(String first, int second) {
			return current();
		}

		@DistributedLock(key = "#{#key}")
		public LockHandle exclusive(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.NL, waitTime = "0s")
		public LockHandle nl(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.CR, waitTime = "0s")
		public LockHandle cr(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.CW, waitTime = "0s")
		public LockHandle cw(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.PR, waitTime = "0s")
		public LockHandle pr(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.PW, waitTime = "0s")
		public LockHandle pw(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", mode = LockMode.EX, waitTime = "0s")
		public LockHandle ex(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", waitTime = "5s")
		public LockHandle waiting(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", waitTime = "${test.wait}", leaseTime = "PT20S")
		public LockHandle placeholderWait(String key) {
			return current();
		}

		@DistributedLock(key = "#{#key}", waitTime = "100ms")
		public String throwing(String key) {
			this.runs.incrementAndGet();
			return "ran";
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s", onBusy = OnBusy.SKIP)
		public String skipping(String key) {
			this.runs.incrementAndGet();
			return "ran";
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s", onBusy = OnBusy.SKIP)
		public Optional<String> skippingOptional(String key) {
			this.runs.incrementAndGet();
			return Optional.of("ran");
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s", onBusy = OnBusy.SKIP)
		public void skippingVoid(String key) {
			this.runs.incrementAndGet();
		}

		@DistributedLock(key = "#{#key}")
		public void failing(String key) {
			throw new IllegalStateException("boom");
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s", minHoldTime = "500ms")
		public void minHold(String key) {
		}

		@DistributedLock(key = "#{#key}")
		public Future<String> future(String key) {
			return new FutureTask<>(() -> "done");
		}

		public Optional<LockHandle> unguarded() {
			return DistributedLocks.currentHandle();
		}

	}

	static class Outer {

		private final Guarded guarded;

		Outer(Guarded guarded) {
			this.guarded = guarded;
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s")
		public long[] outer(String key) {
			long outerToken = current().fencingToken();
			long innerToken = this.guarded.exclusive(key).fencingToken();
			return new long[] { outerToken, innerToken };
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s")
		public String[] outerThenOther(String key, String other) {
			String inner = this.guarded.exclusive(other).key();
			return new String[] { inner, current().key() };
		}

	}

	interface Greeter {

		@DistributedLock(key = "greet:#{#key}", waitTime = "0s")
		LockHandle greet(String key);

	}

	static class DefaultGreeter implements Greeter {

		@Override
		public LockHandle greet(String key) {
			return current();
		}

	}

	@DistributedLock(key = "type:#{#key}", waitTime = "0s")
	static class TypeLevel {

		public LockHandle first(String key) {
			return current();
		}

		@DistributedLock(key = "type:#{#key}", mode = LockMode.PR, waitTime = "0s")
		public LockHandle second(String key) {
			return current();
		}

	}

	static class BadSyntax {

		@DistributedLock(key = "order:#{#key")
		public void call(String key) {
		}

	}

	static class UnknownVariable {

		@DistributedLock(key = "order:#{#nope.id}")
		public void call(String key) {
		}

	}

	static class BadDuration {

		@DistributedLock(key = "#{#key}", waitTime = "soon")
		public void call(String key) {
		}

	}

	static class UnknownPlaceholder {

		@DistributedLock(key = "#{#key}", leaseTime = "${missing.lease}")
		public void call(String key) {
		}

	}

	static class SkipPrimitive {

		@DistributedLock(key = "#{#key}", onBusy = OnBusy.SKIP)
		public int call(String key) {
			return 1;
		}

	}

	static class FinalMethod {

		@DistributedLock(key = "#{#key}")
		public final void call(String key) {
		}

	}

}
