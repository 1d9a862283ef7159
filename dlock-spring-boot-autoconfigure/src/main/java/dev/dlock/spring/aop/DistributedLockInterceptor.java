package dev.dlock.spring.aop;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import dev.dlock.DistributedLockException;
import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockOptions;
import dev.dlock.annotation.DistributedLock.OnBusy;
import dev.dlock.spring.aop.HeldLocks.HeldLock;
import dev.dlock.spring.aop.LockSpec.Result;
import dev.dlock.support.TimeSource;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.function.SingletonSupplier;

/**
 * Runs {@link dev.dlock.annotation.DistributedLock @DistributedLock} methods under their
 * lock.
 * <ul>
 * <li>A method that returns a plain value acquires the lock (waiting up to the wait
 * time), runs, and releases the lock when it returns or throws. A thread that already
 * holds the key gets a re-entrant hold, so guarded methods may call each other.</li>
 * <li>A method that returns a {@code CompletionStage} or {@code CompletableFuture}
 * acquires the lock without blocking and holds it until the returned stage completes.
 * When the lock is granted at once the method runs on the calling thread; otherwise it
 * runs on the async executor once the lock is granted. Cancelling the returned future
 * withdraws the request or releases the lock.</li>
 * <li>A method that returns a reactive type ({@code Mono}, {@code Flux}, or another type
 * known to Spring's {@code ReactiveAdapterRegistry}) is invoked lazily: each
 * subscription acquires the lock without blocking, then calls the method, and releases
 * the lock when the result completes, fails or is cancelled.</li>
 * </ul>
 * When the lock is lost while a {@code CompletionStage} or reactive result is pending, the
 * method's stage is cancelled or its subscription disposed, and the caller gets the
 * {@link dev.dlock.LockLostException}; nothing the method produces later reaches the
 * caller. A blocking method is told of a loss as its annotation's {@code onLost} says
 * ({@link dev.dlock.OnLockLost}).
 * <p>
 * When the lock is not acquired in time the method is skipped or a
 * {@link LockAcquisitionTimeoutException} is thrown, as its {@code onBusy} says. A
 * minimum hold time keeps the lock held after the method finished, released later by a
 * timer, never by making the caller wait.
 * <p>
 * Thread-safe. The lock manager is looked up at the first call.
 *
 * @since 0.1.0
 */
public class DistributedLockInterceptor implements MethodInterceptor, BeanFactoryAware, EnvironmentAware,
		DisposableBean {

	private final Supplier<LockManager> lockManager;

	private final LockKeyExpressionEvaluator keys = new LockKeyExpressionEvaluator();

	private final LockSpecSource specs = new LockSpecSource(this.keys, this::resolvePlaceholders);

	private Duration defaultWaitTime = Duration.ofSeconds(10);

	private Executor asyncExecutor = ForkJoinPool.commonPool();

	private @Nullable TimeSource timeSource;

	private TimeSource.@Nullable Owned ownedTimeSource;

	private volatile @Nullable HeldLocks heldLocks;

	private @Nullable BeanFactory beanFactory;

	private Environment environment = new StandardEnvironment();

	/**
	 * Creates an interceptor that looks up the lock manager at the first call.
	 * @param lockManager supplies the lock manager
	 */
	public DistributedLockInterceptor(Supplier<LockManager> lockManager) {
		this.lockManager = SingletonSupplier.of(Objects.requireNonNull(lockManager, "'lockManager' must not be null"));
	}

	/**
	 * Creates an interceptor.
	 * @param lockManager the lock manager
	 */
	public DistributedLockInterceptor(LockManager lockManager) {
		this(() -> lockManager);
	}

	/**
	 * Sets how long a method waits for its lock when its annotation sets no wait time.
	 * Default 10 seconds.
	 * @param defaultWaitTime a duration, zero or positive
	 */
	public void setDefaultWaitTime(Duration defaultWaitTime) {
		if (defaultWaitTime.isNegative()) {
			throw new IllegalArgumentException("'defaultWaitTime' must not be negative");
		}
		this.defaultWaitTime = defaultWaitTime;
	}

	/**
	 * Sets where a method that returns a {@code CompletionStage} runs when its lock was
	 * not granted at once. Default: the common fork-join pool.
	 * @param asyncExecutor the executor
	 */
	public void setAsyncExecutor(Executor asyncExecutor) {
		this.asyncExecutor = Objects.requireNonNull(asyncExecutor, "'asyncExecutor' must not be null");
	}

	/**
	 * Sets the clock and timer that measure and end minimum hold times; tests pass one
	 * they can advance. Default: the system clock and a timer thread owned by the
	 * interceptor.
	 * @param timeSource the time source; the interceptor does not close it
	 */
	public void setTimeSource(TimeSource timeSource) {
		this.timeSource = Objects.requireNonNull(timeSource, "'timeSource' must not be null");
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	/**
	 * The parsed annotations, shared with the pointcut.
	 * @return the spec source
	 */
	LockSpecSource specs() {
		return this.specs;
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : null;
		LockSpec spec = this.specs.find(invocation.getMethod(), targetClass);
		if (spec == null) {
			return invocation.proceed();
		}
		String key = key(spec, invocation);
		LockOptions options = new LockOptions((spec.waitTime() != null) ? spec.waitTime() : this.defaultWaitTime,
				spec.leaseTime());
		if (spec.result() == Result.COMPLETION_STAGE) {
			return invokeAsync(invocation, spec, key, options);
		}
		if (spec.result() == Result.REACTIVE) {
			return ReactiveDelegate.invoke(this, invocation, spec, key, options);
		}
		return invokeBlocking(invocation, spec, key, options);
	}

	private String key(LockSpec spec, MethodInvocation invocation) {
		Method method = invocation.getMethod();
		return this.keys.evaluate(spec.key(), method, invocation.getArguments(), invocation.getThis(),
				this.beanFactory);
	}

	private @Nullable Object invokeBlocking(MethodInvocation invocation, LockSpec spec, String key,
			LockOptions options) throws Throwable {
		LockHandle handle = acquire(spec, key, options);
		if (handle == null) {
			return spec.skippedValue();
		}
		HeldLock held = heldLocks().hold(handle, spec.minHoldTime());
		LockHandle previous = DistributedLocks.bind(handle);
		try {
			return spec.onLost().call(handle, invocation::proceed);
		}
		finally {
			DistributedLocks.restore(previous);
			held.release();
		}
	}

	private @Nullable LockHandle acquire(LockSpec spec, String key, LockOptions options) {
		LockManager manager = this.lockManager.get();
		try {
			if (options.waitTime().isZero()) {
				Optional<LockHandle> handle = manager.tryAcquire(key, spec.mode(), options);
				if (handle.isPresent()) {
					return handle.get();
				}
				return busy(spec, new LockAcquisitionTimeoutException(key, spec.mode(), options.waitTime()));
			}
			return manager.acquire(key, spec.mode(), options);
		}
		catch (LockAcquisitionTimeoutException ex) {
			return busy(spec, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DistributedLockException("Interrupted while waiting for lock '" + key + "'", ex);
		}
	}

	private static @Nullable LockHandle busy(LockSpec spec, LockAcquisitionTimeoutException ex) {
		if (spec.onBusy() == OnBusy.SKIP) {
			return null;
		}
		throw ex;
	}

	private CompletableFuture<@Nullable Object> invokeAsync(MethodInvocation invocation, LockSpec spec, String key,
			LockOptions options) {
		CompletableFuture<@Nullable Object> result = new CompletableFuture<>();
		CompletableFuture<LockHandle> acquiring = acquireAsync(key, spec, options);
		BiConsumer<@Nullable LockHandle, @Nullable Throwable> onAcquired = (handle, failure) -> {
			if (handle == null) {
				Throwable cause = unwrap(Objects.requireNonNull(failure));
				if (cause instanceof LockAcquisitionTimeoutException && spec.onBusy() == OnBusy.SKIP) {
					result.complete(null);
				}
				else {
					result.completeExceptionally(cause);
				}
				return;
			}
			runAsync(invocation, spec, heldLocks().hold(handle, spec.minHoldTime()), result);
		};
		if (acquiring.isDone()) {
			acquiring.whenComplete(onAcquired);
		}
		else {
			acquiring.whenCompleteAsync(onAcquired, this.asyncExecutor);
		}
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				acquiring.cancel(false);
			}
		});
		return result;
	}

	private CompletableFuture<LockHandle> acquireAsync(String key, LockSpec spec, LockOptions options) {
		return this.lockManager.get().acquireAsync(key, spec.mode(), options);
	}

	private void runAsync(MethodInvocation invocation, LockSpec spec, HeldLock held,
			CompletableFuture<@Nullable Object> result) {
		if (result.isDone()) {
			held.release();
			return;
		}
		CompletionStage<?> stage;
		LockHandle previous = DistributedLocks.bind(held.handle());
		try {
			stage = (CompletionStage<?>) invocation.proceed();
		}
		catch (Throwable ex) {
			held.release();
			result.completeExceptionally(ex);
			return;
		}
		finally {
			DistributedLocks.restore(previous);
		}
		if (stage == null) {
			held.release();
			result.complete(null);
			return;
		}
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				held.release();
				stage.toCompletableFuture().cancel(true);
			}
		});
		HeldLocks.loss(held.handle()).thenAccept((loss) -> {
			// the caller learns of the loss first, so that no later result reaches it
			if (result.completeExceptionally(loss)) {
				held.release();
				stage.toCompletableFuture().cancel(true);
			}
		});
		stage.whenComplete((value, failure) -> {
			held.release();
			if (failure != null) {
				result.completeExceptionally(failure);
			}
			else {
				result.complete(value);
			}
		});
	}

	private static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	private HeldLocks heldLocks() {
		HeldLocks held = this.heldLocks;
		if (held == null) {
			synchronized (this) {
				held = this.heldLocks;
				if (held == null) {
					TimeSource time = this.timeSource;
					if (time == null) {
						this.ownedTimeSource = TimeSource.system("dlock-min-hold");
						time = this.ownedTimeSource;
					}
					held = new HeldLocks(time);
					this.heldLocks = held;
				}
			}
		}
		return held;
	}

	private String resolvePlaceholders(String value) {
		String resolved = value;
		if (this.beanFactory instanceof ConfigurableBeanFactory configurable
				&& configurable.hasEmbeddedValueResolver()) {
			String embedded = configurable.resolveEmbeddedValue(value);
			resolved = (embedded != null) ? embedded : value;
		}
		// strict, also where the context's own resolver leaves unknown placeholders as they are
		return this.environment.resolveRequiredPlaceholders(resolved);
	}

	/**
	 * Releases the locks still kept for their minimum hold time, and stops the timer.
	 */
	@Override
	public void destroy() {
		HeldLocks held = this.heldLocks;
		if (held != null) {
			held.releaseDeferred();
		}
		TimeSource.Owned owned = this.ownedTimeSource;
		if (owned != null) {
			owned.close();
		}
	}

	/**
	 * The reactive path, in its own class so that Reactor is loaded only when a method
	 * returns a reactive type.
	 */
	private static final class ReactiveDelegate {

		static Object invoke(DistributedLockInterceptor interceptor, MethodInvocation invocation, LockSpec spec,
				String key, LockOptions options) {
			ReactiveAdapter adapter = Objects.requireNonNull(spec.reactiveAdapter());
			Publisher<?> result;
			if (adapter.isMultiValue()) {
				result = Flux.defer(() -> {
					PendingLock pending = new PendingLock(interceptor.acquireAsync(key, spec, options));
					return Flux.usingWhen(lock(interceptor, spec, pending),
							(held) -> pending.claim() ? cancelledOnLoss(call(invocation, adapter, held), held)
								.contextWrite((context) -> context.put(LockHandle.class, held.handle())) : Flux.empty(),
							ReactiveDelegate::release, (held, failure) -> release(held), ReactiveDelegate::release)
						.doFinally((signal) -> pending.abandon());
				});
			}
			else {
				result = Mono.defer(() -> {
					PendingLock pending = new PendingLock(interceptor.acquireAsync(key, spec, options));
					return Mono.usingWhen(lock(interceptor, spec, pending),
							(held) -> pending.claim() ? Mono.from(cancelledOnLoss(call(invocation, adapter, held), held))
								.contextWrite((context) -> context.put(LockHandle.class, held.handle())) : Mono.empty(),
							ReactiveDelegate::release, (held, failure) -> release(held), ReactiveDelegate::release)
						.doFinally((signal) -> pending.abandon());
				});
			}
			return adapter.fromPublisher(result);
		}

		/** The lock of one subscription; cancelling does not cancel the acquisition, {@link PendingLock#abandon()} does. */
		private static Mono<HeldLock> lock(DistributedLockInterceptor interceptor, LockSpec spec, PendingLock pending) {
			CompletableFuture<LockHandle> acquiring = pending.acquiring();
			Mono<LockHandle> handle = Mono.fromFuture(acquiring, true);
			// a lock granted later completes on a dlock thread, which must not run user code
			Mono<HeldLock> lock = (acquiring.isDone() ? handle : handle.publishOn(Schedulers.parallel()))
				.map((granted) -> interceptor.heldLocks().hold(granted, spec.minHoldTime()));
			if (spec.onBusy() == OnBusy.SKIP) {
				lock = lock.onErrorResume(LockAcquisitionTimeoutException.class, (ex) -> Mono.empty());
			}
			return lock;
		}

		/**
		 * The method's publisher, cancelled when the lock is lost; the subscriber then gets
		 * the loss as an error, and nothing the method emits later. ({@code takeUntilOther}
		 * cancels its source only when the other publisher emits: an error from it would be
		 * passed on with the source left running.)
		 */
		private static <T> Flux<T> cancelledOnLoss(Publisher<T> source, HeldLock held) {
			CompletableFuture<LockLostException> loss = HeldLocks.loss(held.handle());
			AtomicBoolean cut = new AtomicBoolean();
			return Flux.from(source)
				.doOnCancel(() -> cut.set(true))
				.takeUntilOther(Mono.fromFuture(loss, true))
				.concatWith(Mono.defer(() -> cut.get() ? Mono.error(loss.join()) : Mono.empty()));
		}

		private static Publisher<?> call(MethodInvocation invocation, ReactiveAdapter adapter, HeldLock held) {
			try {
				// every subscription runs the rest of the interceptor chain again
				MethodInvocation call = (invocation instanceof ProxyMethodInvocation proxy) ? proxy.invocableClone()
						: invocation;
				Object value = call.proceed();
				return (value != null) ? adapter.toPublisher(value) : Mono.empty();
			}
			catch (Throwable ex) {
				return Mono.error(ex);
			}
		}

		private static Mono<Void> release(HeldLock held) {
			return Mono.fromRunnable(held::release);
		}

	}

}
