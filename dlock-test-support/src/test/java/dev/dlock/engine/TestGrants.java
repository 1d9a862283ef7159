package dev.dlock.engine;

import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.BackendQueueEntry;
import dev.dlock.support.TimeSource;
import dev.dlock.tck.ManualTime;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * Grants for tests of a grant alone, without a manager: of an attached entry, with their
 * own registry, whose listeners run on the calling thread.
 */
final class TestGrants {

	private TestGrants() {
	}

	/** A grant of an attached entry whose listeners are told on the calling thread. */
	static Grant grant() {
		ManualTime time = new ManualTime();
		AcquireRequest request = new AcquireRequest("k", LockMode.EX, 1, 2, true);
		LiveEntry entry = new LiveEntry(request, new LiveEntry.Owner() {

			@Override
			public long leaseNanos() {
				return 30_000_000_000L;
			}

			@Override
			public void forget(LiveEntry ended) {
			}

		});
		entry.attach(new BackendQueueEntry(request, 7) {
		}, time.nanoTime(), time.nanoTime());
		return new Grant(new DirectRegistry(time), entry, 7, Observation.NOOP);
	}

	/** What the grants of these tests share: listeners run on the calling thread. */
	private record DirectRegistry(TimeSource time, Grant.ConversionsUnderWay conversions) implements Grant.Registry {

		DirectRegistry(TimeSource time) {
			this(time, new Grant.ConversionsUnderWay());
		}

		@Override
		public Executor callbackExecutor() {
			return Runnable::run;
		}

		@Override
		public void lastHoldReleased(Grant grant) {
		}

		@Override
		public void blockingListenerAdded(Grant grant, Consumer<LockMode> listener) {
		}

		@Override
		public void modeChanged(Grant grant) {
		}

		@Override
		public void lost(Grant grant) {
		}

		@Override
		public LockValue value(Grant grant) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void setValue(Grant grant, byte[] bytes) {
			throw new UnsupportedOperationException();
		}

		@Override
		public @Nullable LockValue valueToWrite(Grant grant) {
			return null;
		}

		@Override
		public void valueWritten(Grant grant, LockValue value) {
		}

		@Override
		public Grant.Converter converter() {
			throw new UnsupportedOperationException();
		}

	}

}
