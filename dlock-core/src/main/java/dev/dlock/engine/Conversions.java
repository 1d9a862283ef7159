package dev.dlock.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockMode;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.TimeSource;

/**
 * Starts the conversions of a manager's grants and gives them the blocking, try and
 * asynchronous faces of {@link LockHandle}: checks what may be converted, and makes sure
 * that a conversion nobody receives (interrupted, cancelled) leaves the grant as it was.
 */
final class Conversions implements Grant.Converter {

	private final boolean supported;

	private final TimeSource time;

	private final EngineSettings settings;

	private final EngineObservations observations;

	Conversions(boolean supported, TimeSource time, EngineSettings settings, EngineObservations observations) {
		this.supported = supported;
		this.time = time;
		this.settings = settings;
		this.observations = observations;
	}

	@Override
	public void convert(Grant grant, LockMode target, Duration waitTime) throws InterruptedException {
		if (isNoOp(grant, target)) {
			return;
		}
		Conversion conversion = begin(grant, target, waitTime);
		boolean converted;
		try {
			converted = conversion.start().get();
		}
		catch (InterruptedException ex) {
			conversion.abandon(new CancellationException("interrupted"));
			throw ex;
		}
		catch (ExecutionException ex) {
			throw AsyncFailures.toLockException(ex, "Converting lock '" + grant.key() + "' to " + target);
		}
		if (!converted) {
			throw new LockAcquisitionTimeoutException(grant.key(), target, waitTime);
		}
	}

	@Override
	public boolean tryConvert(Grant grant, LockMode target) {
		if (isNoOp(grant, target)) {
			return true;
		}
		Conversion conversion = begin(grant, target, Duration.ZERO);
		try {
			return conversion.start().join();
		}
		catch (RuntimeException ex) {
			throw AsyncFailures.toLockException(ex, "Converting lock '" + grant.key() + "' to " + target);
		}
	}

	@Override
	public CompletableFuture<LockHandle> convertAsync(LockHandle handle, Grant grant, LockMode target,
			Duration waitTime) {
		Conversion conversion;
		try {
			if (isNoOp(grant, target)) {
				return CompletableFuture.completedFuture(handle);
			}
			conversion = begin(grant, target, waitTime);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		CompletableFuture<LockHandle> converted = new CompletableFuture<>();
		CompletableFuture<Boolean> pending = conversion.start();
		Runnable complete = () -> pending.whenComplete((done, failure) -> {
			if (failure != null) {
				converted.completeExceptionally(
						AsyncFailures.toLockException(failure, "Converting lock '" + grant.key() + "' to " + target));
			}
			else if (!done) {
				converted.completeExceptionally(new LockAcquisitionTimeoutException(grant.key(), target, waitTime));
			}
			else if (!converted.complete(handle)) {
				// cancelled after the conversion was granted: the grant goes back
				conversion.abandon(new CancellationException());
			}
		});
		if (pending.isDone()) {
			complete.run();
		}
		else {
			// decided later on a backend's thread: continuations run on the callback executor
			pending.whenComplete((done, failure) -> handOver(complete));
		}
		converted.whenComplete((result, failure) -> {
			if (converted.isCancelled()) {
				conversion.abandon(new CancellationException());
			}
		});
		return converted;
	}

	/** A conversion to the mode held changes nothing and asks the server nothing. */
	private static boolean isNoOp(Grant grant, LockMode target) {
		Objects.requireNonNull(target, "'mode' must not be null");
		grant.lossOrExpiryThrow();
		return grant.pendingConversion() == null && grant.mode() == target;
	}

	private Conversion begin(Grant grant, LockMode target, Duration waitTime) {
		if (!this.supported) {
			throw new UnsupportedOperationException("The backend cannot convert a lock's mode: release and acquire "
					+ "again, or use a backend that converts (memory, Redis, etcd, NATS)");
		}
		int holds = grant.holds();
		if (holds > 1) {
			throw new IllegalStateException("Lock '" + grant.key() + "' has " + holds
					+ " re-entrant holds; a re-entrant lock cannot be converted: convert with the only hold");
		}
		Conversion conversion = new Conversion(grant, target, waitTime, this.time, this.settings, this.observations);
		if (!grant.startConversion(conversion.pending())) {
			throw new IllegalStateException("Lock '" + grant.key() + "' already has a conversion pending");
		}
		return conversion;
	}

	private void handOver(Runnable completion) {
		Executor executor = this.settings.callbackExecutor();
		try {
			executor.execute(completion);
		}
		catch (RejectedExecutionException ex) {
			completion.run();
		}
	}

}
