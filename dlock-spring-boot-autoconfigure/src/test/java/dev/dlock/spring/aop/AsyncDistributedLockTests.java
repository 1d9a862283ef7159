package dev.dlock.spring.aop;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
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
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Methods that return a {@code CompletableFuture}, {@code Mono} or {@code Flux} hold their
 * lock until the result completes, fails or is cancelled, and never block to acquire it.
 */
class AsyncDistributedLockTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
		.withPropertyValues("dlock.backend=memory")
		.withUserConfiguration(AsyncConfiguration.class);

	private static String newKey() {
		return UUID.randomUUID().toString();
	}

	@Test
	void futureHoldsTheLockUntilItCompletes() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> result = service.future(key);
			assertThat(result).isNotDone();
			assertThat(service.boundHandle(key)).isTrue();
			assertThat(probe(context).isHeld(key)).isTrue();
			service.pendingFuture(key).complete("done");
			assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("done");
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
		});
	}

	@Test
	void failedFutureReleasesTheLock() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> result = service.future(key);
			service.pendingFuture(key).completeExceptionally(new IllegalStateException("boom"));
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> result.get(5, TimeUnit.SECONDS))
				.withRootCauseInstanceOf(IllegalStateException.class);
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
		});
	}

	@Test
	void cancellingTheFutureReleasesTheLockAndCancelsTheMethodsFuture() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			CompletableFuture<String> result = service.future(key);
			assertThat(probe(context).isHeld(key)).isTrue();
			result.cancel(true);
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
			assertThat(service.pendingFuture(key)).isCancelled();
		});
	}

	@Test
	void busyFutureFailsWithTimeoutOrCompletesWithNullWhenSkipping() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			try (LockHandle held = probe(context).hold(key, LockMode.EX)) {
				assertThatExceptionOfType(ExecutionException.class)
					.isThrownBy(() -> service.future(key).get(5, TimeUnit.SECONDS))
					.withCauseInstanceOf(LockAcquisitionTimeoutException.class);
				assertThat(service.skippingFuture(key).get(5, TimeUnit.SECONDS)).isNull();
				assertThat(service.invocations(key)).isZero();
			}
		});
	}

	@Test
	void futureWaitsForTheLockWithoutBlockingTheCaller() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			LockHandle held = probe(context).hold(key, LockMode.EX);
			CompletionStage<String> stage = service.waitingStage(key);
			CompletableFuture<String> result = stage.toCompletableFuture();
			assertThat(result).isNotDone();
			assertThat(service.invocations(key)).isZero();
			held.release();
			await().atMost(TIMEOUT).until(() -> service.invocations(key) == 1);
			assertThat(service.boundHandle(key)).isTrue();
			assertThat(probe(context).isHeld(key)).isTrue();
			service.pendingFuture(key).complete("late");
			assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("late");
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
		});
	}

	@Test
	void cancellingAWaitingFutureWithdrawsTheRequest() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			LockHandle held = probe(context).hold(key, LockMode.EX);
			CompletableFuture<String> result = service.waitingStage(key).toCompletableFuture();
			result.cancel(false);
			held.release();
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
			assertThat(service.invocations(key)).isZero();
			assertThatExceptionOfType(CancellationException.class).isThrownBy(result::join);
		});
	}

	@Test
	void monoIsCalledOnSubscriptionAndHoldsTheLockUntilItCompletes() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			Mono<String> mono = service.mono(key);
			assertThat(service.invocations(key)).isZero();
			assertThat(probe(context).isHeld(key)).isFalse();
			StepVerifier.create(mono).then(() -> {
				assertThat(probe(context).isHeld(key)).isTrue();
				service.monoSink(key).tryEmitValue("value");
			}).expectNext("value").expectComplete().verify(TIMEOUT);
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
			assertThat(service.invocations(key)).isEqualTo(1);
		});
	}

	@Test
	void cancellingTheMonoReleasesTheLock() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			StepVerifier.create(service.mono(key))
				.then(() -> assertThat(probe(context).isHeld(key)).isTrue())
				.thenCancel()
				.verify(TIMEOUT);
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
		});
	}

	@Test
	void failingMonoReleasesTheLock() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			StepVerifier.create(service.mono(key))
				.then(() -> service.monoSink(key).tryEmitError(new IllegalStateException("boom")))
				.expectError(IllegalStateException.class)
				.verify(TIMEOUT);
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
		});
	}

	@Test
	void fluxHoldsTheLockUntilItCompletes() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			StepVerifier.create(service.flux(key)).then(() -> service.fluxSink(key).tryEmitNext(1)).expectNext(1).then(() -> {
				assertThat(probe(context).isHeld(key)).isTrue();
				service.fluxSink(key).tryEmitNext(2);
				service.fluxSink(key).tryEmitComplete();
			}).expectNext(2).expectComplete().verify(TIMEOUT);
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
		});
	}

	@Test
	void cancellingTheFluxReleasesTheLock() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			StepVerifier.create(service.flux(key))
				.then(() -> service.fluxSink(key).tryEmitNext(1))
				.expectNext(1)
				.thenCancel()
				.verify(TIMEOUT);
			await().atMost(TIMEOUT).until(() -> !probe(context).isHeld(key));
		});
	}

	@Test
	void busyReactiveMethodsFailOrCompleteEmptyWhenSkipping() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			try (LockHandle held = probe(context).hold(key, LockMode.EX)) {
				StepVerifier.create(service.mono(key)).expectError(LockAcquisitionTimeoutException.class).verify(TIMEOUT);
				StepVerifier.create(service.skippingMono(key)).expectComplete().verify(TIMEOUT);
				StepVerifier.create(service.skippingFlux(key)).expectComplete().verify(TIMEOUT);
				assertThat(service.invocations(key)).isZero();
			}
		});
	}

	@Test
	void reactiveMethodWaitsWithoutBlockingTheSubscriber() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			LockHandle held = probe(context).hold(key, LockMode.EX);
			StepVerifier.create(service.waitingMono(key)).expectSubscription().then(() -> {
				assertThat(service.invocations(key)).isZero();
				held.release();
			}).expectNext(true).expectComplete().verify(TIMEOUT);
		});
	}

	@Test
	void aReactiveCallCancelledAsItsLockIsGrantedNeverLeavesTheLockHeld() {
		this.runner.run((context) -> {
			AsyncService service = context.getBean(AsyncService.class);
			for (int round = 0; round < 300; round++) {
				String key = newKey();
				LockHandle held = probe(context).hold(key, LockMode.EX);
				Disposable subscription = service.waitingMono(key).subscribe();
				CompletableFuture<Void> releasing = CompletableFuture.runAsync(held::release);
				subscription.dispose();
				releasing.join();
				await("round " + round).atMost(TIMEOUT)
					.pollDelay(Duration.ZERO)
					.pollInterval(Duration.ofMillis(5))
					.until(() -> !probe(context).isHeld(key));
			}
		});
	}

	@Test
	void reactiveMethodFindsTheHandleInTheContext() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			StepVerifier.create(service.handleFromContext(key))
				.assertNext((handle) -> assertThat(handle.key()).isEqualTo(key))
				.expectComplete()
				.verify(TIMEOUT);
		});
	}

	@Test
	void everySubscriptionTakesTheLockAndCallsTheMethodAgain() {
		this.runner.run((context) -> {
			String key = newKey();
			AsyncService service = context.getBean(AsyncService.class);
			Mono<Boolean> mono = service.waitingMono(key);
			StepVerifier.create(mono).expectNext(true).expectComplete().verify(TIMEOUT);
			StepVerifier.create(mono).expectNext(true).expectComplete().verify(TIMEOUT);
			assertThat(service.invocations(key)).isEqualTo(2);
		});
	}

	private static LockProbe probe(AssertableApplicationContext context) {
		return new LockProbe(context.getBean(LockManager.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class AsyncConfiguration {

		@Bean
		AsyncService asyncService() {
			return new AsyncService();
		}

	}

	static class AsyncService {

		private final Map<String, CompletableFuture<String>> futures = new ConcurrentHashMap<>();

		private final Map<String, Sinks.One<String>> monoSinks = new ConcurrentHashMap<>();

		private final Map<String, Sinks.Many<Integer>> fluxSinks = new ConcurrentHashMap<>();

		private final Map<String, AtomicInteger> invocations = new ConcurrentHashMap<>();

		private final Map<String, Boolean> boundHandles = new ConcurrentHashMap<>();

		@DistributedLock(key = "#{#key}", waitTime = "0s")
		public CompletableFuture<String> future(String key) {
			return newFuture(key);
		}

		@DistributedLock(key = "#{#key}", waitTime = "5s")
		public CompletionStage<String> waitingStage(String key) {
			return newFuture(key);
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s", onBusy = OnBusy.SKIP)
		public CompletableFuture<@Nullable String> skippingFuture(String key) {
			invoked(key);
			return CompletableFuture.completedFuture("ran");
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s")
		public Mono<String> mono(String key) {
			invoked(key);
			Sinks.One<String> sink = Sinks.one();
			this.monoSinks.put(key, sink);
			return sink.asMono();
		}

		@DistributedLock(key = "#{#key}", waitTime = "5s")
		public Mono<Boolean> waitingMono(String key) {
			invoked(key);
			return Mono.just(true);
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s", onBusy = OnBusy.SKIP)
		public Mono<String> skippingMono(String key) {
			invoked(key);
			return Mono.just("ran");
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s")
		public Mono<LockHandle> handleFromContext(String key) {
			return Mono.deferContextual((context) -> Mono.just(context.get(LockHandle.class)));
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s")
		public Flux<Integer> flux(String key) {
			invoked(key);
			Sinks.Many<Integer> sink = Sinks.many().unicast().onBackpressureBuffer();
			this.fluxSinks.put(key, sink);
			return sink.asFlux();
		}

		@DistributedLock(key = "#{#key}", waitTime = "0s", onBusy = OnBusy.SKIP)
		public Flux<Integer> skippingFlux(String key) {
			invoked(key);
			return Flux.just(1, 2);
		}

		public CompletableFuture<String> pendingFuture(String key) {
			return Objects.requireNonNull(this.futures.get(key));
		}

		public Sinks.One<String> monoSink(String key) {
			return Objects.requireNonNull(this.monoSinks.get(key));
		}

		public Sinks.Many<Integer> fluxSink(String key) {
			return Objects.requireNonNull(this.fluxSinks.get(key));
		}

		public int invocations(String key) {
			AtomicInteger count = this.invocations.get(key);
			return (count != null) ? count.get() : 0;
		}

		public boolean boundHandle(String key) {
			return this.boundHandles.getOrDefault(key, false);
		}

		private CompletableFuture<String> newFuture(String key) {
			this.boundHandles.put(key, DistributedLocks.currentHandle().map((handle) -> handle.key().equals(key))
				.orElse(false));
			CompletableFuture<String> future = new CompletableFuture<>();
			this.futures.put(key, future);
			invoked(key);
			return future;
		}

		private void invoked(String key) {
			this.invocations.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet();
		}

	}

}
