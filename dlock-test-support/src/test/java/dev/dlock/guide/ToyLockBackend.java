package dev.dlock.guide;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.support.ResourceChanges;

/**
 * A client of a {@link ToyServer}. It turns the server's published key changes into
 * signals for the waiters of this client through one {@link ResourceChanges}.
 */
final class ToyLockBackend implements LockBackend {

	private final ToyServer server;

	private final ResourceChanges<Runnable> changes = new ResourceChanges<>(Runnable::run);

	private final Runnable unsubscribe;

	ToyLockBackend(ToyServer server) {
		this.server = server;
		this.unsubscribe = server.subscribe((key) -> this.changes.changed(key).forEach(Runnable::run));
	}

	@Override
	public String name() {
		return "toy";
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		return new ToyLockSession(this.server, this.changes, leaseTime);
	}

	@Override
	public CompletableFuture<BackendHealth> health() {
		return CompletableFuture.completedFuture(BackendHealth.up(Duration.ZERO, Map.of()));
	}

	@Override
	public Set<BackendCapability> capabilities() {
		return Set.of(BackendCapability.CONVERSION, BackendCapability.BLOCKING_NOTIFICATIONS,
				BackendCapability.VALUE_BLOCKS);
	}

	@Override
	public void close() {
		this.unsubscribe.run();
	}

}
