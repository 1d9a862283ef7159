package dev.dlock.concurrency;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import dev.dlock.LockBackendException;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;

/**
 * The in-memory backend with two faults a scenario can inject from one of its threads: the
 * server loses entries (polls then answer {@code GONE} and renewals report them lost), and
 * renewals fail (the client cannot reach the server).
 */
final class ScriptedBackend implements LockBackend {

	private final InMemoryLockBackend delegate;

	private final List<AcquireRequest> enqueued = new CopyOnWriteArrayList<>();

	private final LockSession admin;

	private volatile boolean renewalsFail;

	ScriptedBackend(InMemoryLockBackend delegate) {
		this.delegate = delegate;
		this.admin = delegate.openSession(Duration.ofSeconds(1));
	}

	/** The server loses the entries of every request that matches, as after a failover. */
	void lose(Predicate<AcquireRequest> which) {
		for (AcquireRequest request : this.enqueued) {
			if (which.test(request)) {
				this.admin.remove(request).join();
			}
		}
	}

	/** From now on, renewals fail without reaching the server. */
	void failRenewals() {
		this.renewalsFail = true;
	}

	int resourceCount() {
		return this.delegate.resourceCount();
	}

	@Override
	public String name() {
		return "scripted-memory";
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		return new Session(this.delegate.openSession(leaseTime));
	}

	@Override
	public CompletableFuture<BackendHealth> health() {
		return this.delegate.health();
	}

	@Override
	public Set<BackendCapability> capabilities() {
		return this.delegate.capabilities();
	}

	@Override
	public void close() {
		this.delegate.close();
	}

	private final class Session implements LockSession {

		private final LockSession session;

		Session(LockSession session) {
			this.session = session;
		}

		@Override
		public Duration leaseTime() {
			return this.session.leaseTime();
		}

		@Override
		public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
			ScriptedBackend.this.enqueued.add(request);
			return this.session.enqueue(request);
		}

		@Override
		public CompletableFuture<QueueState> poll(QueueEntry entry) {
			return this.session.poll(entry);
		}

		@Override
		public Subscription watch(QueueEntry entry, Runnable onChange) {
			return this.session.watch(entry, onChange);
		}

		@Override
		public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
			if (ScriptedBackend.this.renewalsFail) {
				return CompletableFuture.failedFuture(new LockBackendException("the test made renewals fail", null));
			}
			return this.session.renew(entries);
		}

		@Override
		public CompletableFuture<Void> remove(AcquireRequest request) {
			return this.session.remove(request);
		}

		@Override
		public void close() {
			this.session.close();
		}

	}

}
