package dev.dlock.tck;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import org.jspecify.annotations.Nullable;

/**
 * A session that passes every call to another, for test decorators that change a few of
 * them (see {@link ForwardingLockBackend}).
 *
 * @since 0.1.0
 */
public abstract class ForwardingLockSession implements LockSession {

	private final LockSession delegate;

	/**
	 * Wraps a session.
	 * @param delegate the session that answers the calls
	 */
	protected ForwardingLockSession(LockSession delegate) {
		this.delegate = delegate;
	}

	/**
	 * The wrapped session.
	 * @return the delegate
	 */
	protected final LockSession delegate() {
		return this.delegate;
	}

	@Override
	public Duration leaseTime() {
		return this.delegate.leaseTime();
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		return this.delegate.enqueue(request);
	}

	@Override
	public CompletableFuture<QueueState> poll(QueueEntry entry) {
		return this.delegate.poll(entry);
	}

	@Override
	public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
		return this.delegate.convert(entry, mode, waitIfBusy);
	}

	@Override
	public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
		return this.delegate.cancelConversion(entry, heldMode);
	}

	@Override
	public Subscription watch(QueueEntry entry, Runnable onChange) {
		return this.delegate.watch(entry, onChange);
	}

	@Override
	public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
		return this.delegate.queue(entry);
	}

	@Override
	public CompletableFuture<@Nullable LockValue> readValue(QueueEntry entry) {
		return this.delegate.readValue(entry);
	}

	@Override
	public CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
		return this.delegate.writeValue(entry, value);
	}

	@Override
	public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		return this.delegate.watchQueue(entry, onChange, onWaiting);
	}

	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		return this.delegate.renew(entries);
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		return this.delegate.remove(request);
	}

	@Override
	public void close() {
		this.delegate.close();
	}

}
