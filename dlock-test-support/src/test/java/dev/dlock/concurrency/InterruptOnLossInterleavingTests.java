package dev.dlock.concurrency;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.LockOptions;
import dev.dlock.OnLockLost;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@link OnLockLost#INTERRUPT} under Lincheck's model checker (see {@link Explorer}): the
 * loss of the lock, told on another thread as the lock manager's callback executor tells
 * it, races the end of the task on its own thread. The handle is a stand-in that only
 * tells of a loss, so that the exploration is about this race alone.
 */
class InterruptOnLossInterleavingTests {

	@Test
	void aTaskThatEndedIsNeverInterruptedAndAnInterruptForALossIsClearedBeforeTheCallReturns() {
		Explorer.explore(200, (run) -> {
			LosableHandle handle = new LosableHandle();
			Outcome outcome = new Outcome();
			Thread task = Harness.start(() -> {
				Thread loser;
				try {
					loser = OnLockLost.INTERRUPT.call(handle, () -> Harness.start(handle::lose));
				}
				catch (LockLostException ex) {
					outcome.threw = true;
					loser = handle.loser;
				}
				boolean interrupted = Thread.currentThread().isInterrupted();
				try {
					// the loss may come after the call ended: it must not interrupt this thread
					Harness.check(loser != null, "the task did not run");
					loser.join();
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
				outcome.interruptedAfterTheCall = interrupted || Thread.currentThread().isInterrupted();
			});
			Harness.join(task);
			Harness.check(!outcome.interruptedAfterTheCall,
					"the task's thread was interrupted after the call " + (outcome.threw ? "threw" : "returned"));
		});
	}

	/** What the task's thread saw; written by it, read after it was joined. */
	private static final class Outcome {

		volatile boolean threw;

		volatile boolean interruptedAfterTheCall;

	}

	/** A held lock that is lost when {@link #lose()} is called; nothing else. */
	private static final class LosableHandle implements LockHandle {

		private volatile @Nullable Consumer<LockLostException> listener;

		volatile @Nullable Thread loser;

		void lose() {
			this.loser = Thread.currentThread();
			Consumer<LockLostException> told = this.listener;
			if (told != null) {
				told.accept(new LockLostException(key(), mode(), 1, "lost", null));
			}
		}

		@Override
		public void onLost(Consumer<LockLostException> listener) {
			this.listener = listener;
		}

		@Override
		public void onBlocking(Consumer<LockMode> listener) {
			throw new UnsupportedOperationException();
		}

		@Override
		public LockValue value() {
			throw new UnsupportedOperationException();
		}

		@Override
		public void setValue(byte[] bytes) {
			throw new UnsupportedOperationException();
		}

		@Override
		public String key() {
			return Harness.KEY;
		}

		@Override
		public LockMode mode() {
			return LockMode.EX;
		}

		@Override
		public long fencingToken() {
			return 1;
		}

		@Override
		public boolean isValid() {
			throw new UnsupportedOperationException();
		}

		@Override
		public void ensureValid() {
			throw new UnsupportedOperationException();
		}

		@Override
		public void convert(LockMode mode, Duration waitTime) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean tryConvert(LockMode mode) {
			throw new UnsupportedOperationException();
		}

		@Override
		public CompletableFuture<LockHandle> convertAsync(LockMode mode, LockOptions options) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void release() {
			throw new UnsupportedOperationException();
		}

	}

}
