package dev.dlock;

import java.util.Objects;
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

	private static final int INTERRUPTED = 1;

	private static final int FINISHED = 2;

	private final Thread thread;

	private final AtomicInteger state = new AtomicInteger(RUNNING);

	private volatile @Nullable LockLostException loss;

	LossInterrupter(Thread thread) {
		this.thread = thread;
	}

	/**
	 * Starts watching a lock for the task about to run on this thread.
	 * @param handle the lock
	 * @return the interrupter, to {@link #finish} when the task ended
	 */
	static LossInterrupter watch(LockHandle handle) {
		LossInterrupter interrupter = new LossInterrupter(Thread.currentThread());
		handle.onLost(interrupter::lost);
		return interrupter;
	}

	/** Called on loss, from any thread: interrupts the task if it still runs. */
	void lost(LockLostException loss) {
		this.loss = loss;
		synchronized (this) {
			if (this.state.compareAndSet(RUNNING, INTERRUPTED)) {
				this.thread.interrupt();
			}
		}
	}

	/**
	 * Called on the task's thread when the task ended: from then on the thread is never
	 * interrupted for this loss.
	 * @param failure what the task threw, if anything
	 * @throws LockLostException if the loss interrupted the task (the interrupt is
	 * cleared), with the task's failure, or else the loss, as its cause
	 */
	void finish(@Nullable Throwable failure) {
		if (this.state.compareAndSet(RUNNING, FINISHED)) {
			return;
		}
		synchronized (this) {
			// the loss won, and has left the monitor only after raising its interrupt
			Thread.interrupted();
		}
		LockLostException loss = Objects.requireNonNull(this.loss);
		// a new exception per call: the loss is shared by every listener of the grant
		throw new LockLostException(loss.key(), loss.mode(), loss.fencingToken(),
				loss.getMessage() + "; the task was interrupted", (failure != null) ? failure : loss);
	}

}
