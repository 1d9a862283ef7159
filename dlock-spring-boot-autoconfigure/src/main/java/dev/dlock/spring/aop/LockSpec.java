package dev.dlock.spring.aop;

import java.time.Duration;
import java.util.Optional;

import dev.dlock.LockMode;
import dev.dlock.OnLockLost;
import dev.dlock.annotation.DistributedLock.OnBusy;
import org.jspecify.annotations.Nullable;

import org.springframework.core.ReactiveAdapter;
import org.springframework.expression.Expression;

/**
 * What one {@code @DistributedLock} method asks for, parsed and checked once at start-up.
 *
 * @param method the method, for messages
 * @param key the parsed key template
 * @param mode the lock mode
 * @param waitTime how long to wait, or {@code null} for the interceptor's default
 * @param leaseTime the lease time, or {@code null} for the lock manager's default
 * @param minHoldTime how long the lock stays held at least after it was acquired
 * @param onBusy what to do when the lock is not acquired in time
 * @param onLost what a blocking method is told when its lock is lost
 * @param result how the method's result is handled
 * @param reactiveAdapter the adapter of a reactive return type
 */
record LockSpec(String method, Expression key, LockMode mode, @Nullable Duration waitTime,
		@Nullable Duration leaseTime, Duration minHoldTime, OnBusy onBusy, OnLockLost onLost, Result result,
		@Nullable ReactiveAdapter reactiveAdapter) {

	/**
	 * What a blocking method returns when it is skipped.
	 * @return {@code null}, or an empty {@code Optional}
	 */
	@Nullable Object skippedValue() {
		return (this.result == Result.OPTIONAL) ? Optional.empty() : null;
	}

	/**
	 * How a method's result is handled.
	 */
	enum Result {

		/** A plain value: the lock is released when the method returns or throws. */
		VALUE,

		/** An {@code Optional}: as {@link #VALUE}, and skipping returns an empty one. */
		OPTIONAL,

		/** A {@code CompletionStage}: the lock is released when it completes. */
		COMPLETION_STAGE,

		/** A reactive type: the lock is taken on subscription and released at the end. */
		REACTIVE

	}

}
