package dev.dlock.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.dlock.LockMode;
import dev.dlock.OnLockLost;

/**
 * Runs the annotated method while holding a distributed lock.
 * <p>
 * The Spring Boot starter applies it to bean methods (or to every public method of an
 * annotated type). Methods that return a {@code CompletionStage}, {@code Mono} or
 * {@code Flux} hold the lock until the result completes, and are cancelled if the lock is
 * lost before (see {@link #onLost()}).
 * <p>
 * The method reaches its lock through the starter's
 * {@code DistributedLocks.currentHandle()}, and may convert it there
 * ({@link dev.dlock.LockHandle#convert LockHandle.convert}): for example it reads under
 * {@link LockMode#PR}, decides, converts to {@link LockMode#PW} and writes with the new
 * fencing token. The lock is released when the method ends, in whatever mode it is then
 * held. A nested guarded call on the same key holds the lock re-entrantly and cannot
 * convert it; convert in the outermost method.
 *
 * @since 0.1.0
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface DistributedLock {

	/**
	 * The lock key: a literal with optional {@code #{...}} SpEL parts over the method
	 * arguments, for example {@code "order:#{#order.id}"}.
	 * @return the key template
	 */
	String key();

	/**
	 * The lock mode.
	 * @return the mode, {@link LockMode#EX} by default
	 */
	LockMode mode() default LockMode.EX;

	/**
	 * How long to wait for the lock, as a duration string ({@code "5s"}, {@code "PT5S"}) or
	 * a {@code ${...}} placeholder; empty means the configured default.
	 * @return the wait time
	 */
	String waitTime() default "";

	/**
	 * How long the lease lasts without renewal, as a duration string or a placeholder;
	 * empty means the configured default.
	 * @return the lease time
	 */
	String leaseTime() default "";

	/**
	 * The shortest time the lock stays held after the method returns, as a duration string
	 * or a placeholder. Use it with {@link OnBusy#SKIP} on scheduled jobs that run on many
	 * instances, so that an instance whose clock is a little late does not run the same
	 * tick again. Empty means none.
	 * @return the minimum hold time
	 */
	String minHoldTime() default "";

	/**
	 * What happens when the lock is not acquired within the wait time.
	 * @return the policy, {@link OnBusy#THROW} by default
	 */
	OnBusy onBusy() default OnBusy.THROW;

	/**
	 * What a blocking method is told when its lock is lost while it runs:
	 * {@link OnLockLost#CONTINUE} (it runs on, and sees the loss through the handle's
	 * {@code isValid()}) or {@link OnLockLost#INTERRUPT} (its thread is interrupted and the
	 * caller gets a {@link dev.dlock.LockLostException}; the interrupt is cleared before the
	 * thread returns to the caller). Methods that return a {@code CompletionStage} or a
	 * reactive type are cancelled on loss whatever this says, and their caller gets a
	 * {@code LockLostException}.
	 * @return the choice, {@link OnLockLost#CONTINUE} by default
	 */
	OnLockLost onLost() default OnLockLost.CONTINUE;

	/**
	 * What to do when the lock is not acquired in time.
	 */
	enum OnBusy {

		/** Throw {@link dev.dlock.LockAcquisitionTimeoutException}. */
		THROW,

		/**
		 * Do not run the method: return {@code null}, an empty {@code Optional} or an empty
		 * reactive type.
		 */
		SKIP

	}

}
