package dev.dlock;

import java.util.Objects;

/**
 * What a blocking task that runs under a lock is told when the lock is lost while it
 * runs: the choice of {@link dev.dlock.annotation.DistributedLock#onLost()} and of
 * {@link LockManager#callWithLock(String, LockMode, LockOptions, OnLockLost, java.util.concurrent.Callable)}.
 * <p>
 * Tasks that return a {@code CompletionStage} or a reactive type through the annotation are
 * always cancelled on loss; this choice is about blocking code, which only its own thread
 * can stop.
 *
 * @since 0.1.0
 */
public enum OnLockLost {

	/**
	 * The task runs on: {@link LockHandle#isValid()} turns false and
	 * {@linkplain LockHandle#onLost loss listeners} run, and the task decides by checking
	 * them. The task's result or exception reaches the caller as it is.
	 */
	CONTINUE {

		@Override
		public <T, E extends Throwable> T call(LockHandle handle, Task<T, E> task) throws E {
			Objects.requireNonNull(handle, "'handle' must not be null");
			return task.call();
		}

	},

	/**
	 * The thread that runs the task is interrupted when the lock is lost, so that blocking
	 * calls in it ({@code Thread.sleep}, {@code Object.wait}, interruptible I/O, a JDBC
	 * driver that honours interrupts) end early. The caller then gets a
	 * {@link LockLostException} (with what the task threw as its cause), even if the task
	 * returned normally after the interrupt. The interrupt is cleared before the call
	 * returns, so it never reaches the caller or a pooled thread's next task, and a task
	 * that returned before the loss was noticed is never interrupted: loss and return race
	 * for one state, and the loser does nothing.
	 */
	INTERRUPT {

		@Override
		public <T, E extends Throwable> T call(LockHandle handle, Task<T, E> task) throws E {
			LossInterrupter interrupter = LossInterrupter.watch(handle);
			T result;
			try {
				result = task.call();
			}
			catch (Throwable ex) {
				interrupter.finish(ex);
				throw ex;
			}
			interrupter.finish(null);
			return result;
		}

	};

	/**
	 * Runs a blocking task on the calling thread under a lock that is held, and applies
	 * this choice if the lock is lost while the task runs. Does not release the lock.
	 * @param <T> the result type
	 * @param <E> what the task may throw
	 * @param handle the lock the task runs under
	 * @param task the task
	 * @return what the task returned
	 * @throws E what the task threw (unless the lock was lost and this is
	 * {@link #INTERRUPT})
	 * @throws LockLostException with {@link #INTERRUPT}, if the lock was lost while the task
	 * ran
	 */
	public abstract <T, E extends Throwable> T call(LockHandle handle, Task<T, E> task) throws E;

	/**
	 * A task that returns a value and may throw {@code E}: a {@code Callable} or a
	 * method invocation.
	 *
	 * @param <T> the result type
	 * @param <E> what it may throw
	 */
	@FunctionalInterface
	public interface Task<T, E extends Throwable> {

		/**
		 * Runs the task.
		 * @return its result
		 * @throws E what it throws
		 */
		T call() throws E;

	}

}
