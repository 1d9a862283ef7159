package dev.dlock;

import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * Interrupts the thread of a running task when its lock is lost, never after the task
 * finished, and clears that interrupt when the task finishes.
 * <p>
 * The loss (on a callback thread) and the end of the task (on its own thread) race for
 * one state with a compare-and-set: the end wins from {@code RUNNING} and the loss then
 * does nothing, or the loss wins, and the end waits on the monitor, which the loss holds
 * from its compare-and-set until the interrupt is raised, so that it can clear it. Without
 * a loss the end takes no lock. An interrupt from elsewhere that arrives while the loss's
 * interrupt is pending is cleared with it.
 */
final class LossInterrupter {

	private static final int RUNNING = 0;

	private static final int INTERRUPTING = 1;

	private static final int INTERRUPTED = 2;

	private static final int FINISHED = 3;

	private final Thread thread;

	private final AtomicInteger state = new AtomicInteger(RUNNING);

	private volatile @Nullable LockLostException loss;

	LossInterrupter(Thread thread) {
		this.thread = thread;
	}

	/** {@link OnLockLost#INTERRUPT}: runs the task on this thread, interrupted on loss. */
	static <T, E extends Throwable> T call(LockHandle handle, OnLockLost.Task<T, E> task) throws E {
		LossInterrupter interrupter = new LossInterrupter(Thread.currentThread());
		handle.onLost(interrupter::lost);
		T result;
		try {
			result = task.call();
		}
		catch (Throwable ex) {
			LockLostException loss = interrupter.finish();
			if (loss != null) {
				throw interrupted(loss, ex);
			}
			throw ex;
		}
		LockLostException loss = interrupter.finish();
		if (loss != null) {
			throw interrupted(loss, loss);
		}
		return result;
	}

	private static LockLostException interrupted(LockLostException loss, Throwable cause) {
		// a new exception per call: the loss is shared by every listener of the grant
		return new LockLostException(loss.key(), loss.mode(), loss.fencingToken(),
				loss.getMessage() + "; the task was interrupted", cause);
	}

	/** Called on loss, from any thread: interrupts the task if it still runs. */
	void lost(LockLostException loss) {
		this.loss = loss;
		synchronized (this) {
			if (this.state.compareAndSet(RUNNING, INTERRUPTING)) {
				this.thread.interrupt();
				this.state.set(INTERRUPTED);
			}
		}
	}

	/**
	 * Called on the task's thread when the task ended: from then on the thread is never
	 * interrupted for this loss.
	 * @return the loss if it interrupted the task (the interrupt is cleared), or
	 * {@code null}
	 */
	@Nullable LockLostException finish() {
		if (this.state.compareAndSet(RUNNING, FINISHED)) {
			return null;
		}
		synchronized (this) {
			// the loss won and left the monitor: its interrupt is raised
			Thread.interrupted();
			this.state.set(FINISHED);
		}
		return this.loss;
	}

}
