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
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.tck.ForwardingLockBackend;
import dev.dlock.tck.ForwardingLockSession;

/**
 * The in-memory backend with two faults a scenario can inject from one of its threads: the
 * server loses entries (polls then answer {@code GONE} and renewals report them lost), and
 * renewals fail (the client cannot reach the server).
 */
final class ScriptedBackend extends ForwardingLockBackend {

	private final InMemoryLockBackend memory;

	private final List<AcquireRequest> enqueued = new CopyOnWriteArrayList<>();

	private final LockSession admin;

	private volatile boolean renewalsFail;

	ScriptedBackend(InMemoryLockBackend delegate) {
		super(delegate);
		this.memory = delegate;
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
		return this.memory.resourceCount();
	}

	@Override
	public String name() {
		return "scripted-memory";
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		return new Session(delegate().openSession(leaseTime));
	}

	private final class Session extends ForwardingLockSession {

		Session(LockSession session) {
			super(session);
		}

		@Override
		public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
			ScriptedBackend.this.enqueued.add(request);
			return super.enqueue(request);
		}

		@Override
		public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
			if (ScriptedBackend.this.renewalsFail) {
				return CompletableFuture.failedFuture(new LockBackendException("the test made renewals fail", null));
			}
			return super.renew(entries);
		}

	}

}
