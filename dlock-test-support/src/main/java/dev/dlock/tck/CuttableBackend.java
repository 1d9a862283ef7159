package dev.dlock.tck;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.dlock.LockBackendException;
import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import org.jspecify.annotations.Nullable;

/**
 * A backend decorator whose client can be cut off, as a crash or a network partition
 * looks to the lock manager: while cut, every call fails and nothing reaches the server,
 * so the server expires the client's entries. It records when renewals were sent.
 */
public final class CuttableBackend extends ForwardingLockBackend {

	private final List<RenewalRecord> renewals = new CopyOnWriteArrayList<>();

	private final AtomicInteger enqueued = new AtomicInteger();

	private volatile boolean cut;

	/**
	 * Wraps a backend.
	 * @param delegate the real backend
	 */
	public CuttableBackend(LockBackend delegate) {
		super(delegate);
	}

	/** Cuts the client off: from now on every call fails without reaching the server. */
	public void cut() {
		this.cut = true;
	}

	/** Connects the client again. */
	public void heal() {
		this.cut = false;
	}

	/**
	 * Every renewal round that was sent, with the tickets it covered and whether it
	 * succeeded.
	 * @return the records, oldest first
	 */
	public List<RenewalRecord> renewals() {
		return List.copyOf(this.renewals);
	}

	/**
	 * How many enqueue calls the server answered; once it is positive, the request is in
	 * the queue and later requests get larger tickets.
	 * @return the count
	 */
	public int enqueued() {
		return this.enqueued.get();
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		check();
		return new CuttableSession(delegate().openSession(leaseTime));
	}

	@Override
	public CompletableFuture<BackendHealth> health() {
		return this.cut ? CompletableFuture.completedFuture(BackendHealth.down(Duration.ZERO, "cut"))
				: delegate().health();
	}

	private void check() {
		if (this.cut) {
			throw new LockBackendException("the test cut this client off", null);
		}
	}

	private <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> call) {
		if (this.cut) {
			return CompletableFuture.failedFuture(new LockBackendException("the test cut this client off", null));
		}
		return call.get().thenApply((result) -> {
			// a reply that arrives after the cut is lost on the way
			check();
			return result;
		});
	}

	/**
	 * A renewal round as the client sent it.
	 *
	 * @param sentAt {@link System#nanoTime()} when it was sent
	 * @param tickets the tickets of the entries it covered
	 * @param succeeded whether the backend confirmed it
	 */
	public record RenewalRecord(long sentAt, List<Long> tickets, boolean succeeded) {
	}

	private final class CuttableSession extends ForwardingLockSession {

		CuttableSession(LockSession session) {
			super(session);
		}

		@Override
		public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
			return guarded(() -> delegate().enqueue(request)).whenComplete((result, failure) -> {
				if (failure == null) {
					CuttableBackend.this.enqueued.incrementAndGet();
				}
			});
		}

		@Override
		public CompletableFuture<QueueState> poll(QueueEntry entry) {
			return guarded(() -> delegate().poll(entry));
		}

		@Override
		public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
			return guarded(() -> delegate().convert(entry, mode, waitIfBusy));
		}

		@Override
		public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
			return guarded(() -> delegate().cancelConversion(entry, heldMode));
		}

		@Override
		public Subscription watch(QueueEntry entry, Runnable onChange) {
			return delegate().watch(entry, () -> {
				if (!CuttableBackend.this.cut) {
					onChange.run();
				}
			});
		}

		@Override
		public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
			long sentAt = System.nanoTime();
			List<Long> tickets = entries.stream().map(QueueEntry::ticket).toList();
			return guarded(() -> delegate().renew(entries)).whenComplete((lost, failure) -> CuttableBackend.this.renewals
				.add(new RenewalRecord(sentAt, tickets, failure == null)));
		}

		@Override
		public CompletableFuture<Void> remove(AcquireRequest request) {
			return guarded(() -> delegate().remove(request));
		}

		@Override
		public void close() {
			if (!CuttableBackend.this.cut) {
				super.close();
			}
		}

	}

}
