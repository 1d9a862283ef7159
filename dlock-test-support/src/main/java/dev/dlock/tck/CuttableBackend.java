package dev.dlock.tck;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.dlock.LockBackendException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
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
	 * @param keys the keys of those entries, in the same order
	 * @param succeeded whether the backend confirmed it
	 */
	public record RenewalRecord(long sentAt, List<Long> tickets, List<String> keys, boolean succeeded) {

		/**
		 * Whether the round covered the entry of a key with a ticket. A ticket alone does not
		 * name an entry: a backend that shards its keys (NATS with several buckets) numbers
		 * each shard's tickets on their own.
		 * @param key the key
		 * @param ticket the ticket
		 * @return whether an entry of the round has both
		 */
		public boolean covers(String key, long ticket) {
			for (int i = 0; i < this.tickets.size(); i++) {
				if (this.tickets.get(i) == ticket && this.keys.get(i).equals(key)) {
					return true;
				}
			}
			return false;
		}

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
		public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
			return guarded(() -> delegate().queue(entry));
		}

		@Override
		public CompletableFuture<@Nullable LockValue> readValue(QueueEntry entry) {
			return guarded(() -> delegate().readValue(entry));
		}

		@Override
		public CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
			return guarded(() -> delegate().writeValue(entry, value));
		}

		@Override
		public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
			return delegate().watchQueue(entry, () -> {
				if (!CuttableBackend.this.cut) {
					onChange.run();
				}
			}, (waiting) -> {
				if (!CuttableBackend.this.cut) {
					onWaiting.accept(waiting);
				}
			});
		}

		@Override
		public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
			long sentAt = System.nanoTime();
			List<Long> tickets = entries.stream().map(QueueEntry::ticket).toList();
			List<String> keys = entries.stream().map((entry) -> entry.request().key()).toList();
			return guarded(() -> delegate().renew(entries)).whenComplete((lost, failure) -> CuttableBackend.this.renewals
				.add(new RenewalRecord(sentAt, tickets, keys, failure == null)));
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
