package dev.dlock.tck;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.LockThreads;

/**
 * A backend that passes every call to another, for test decorators that change a few of
 * them (cut the client off, inject faults, record calls). Its sessions are the delegate's
 * unless {@link #openSession} is overridden, typically to wrap them in a
 * {@link ForwardingLockSession}.
 *
 * @since 0.1.0
 */
public abstract class ForwardingLockBackend implements LockBackend {

	private final LockBackend delegate;

	/**
	 * Wraps a backend.
	 * @param delegate the backend that answers the calls
	 */
	protected ForwardingLockBackend(LockBackend delegate) {
		this.delegate = delegate;
	}

	/**
	 * The wrapped backend.
	 * @return the delegate
	 */
	protected final LockBackend delegate() {
		return this.delegate;
	}

	@Override
	public String name() {
		return this.delegate.name();
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		return this.delegate.openSession(leaseTime);
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
	public Optional<LockThreads> threads() {
		return this.delegate.threads();
	}

	@Override
	public void close() {
		this.delegate.close();
	}

}
