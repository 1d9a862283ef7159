package dev.dlock.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A lock store: Redis, etcd, NATS JetStream or memory.
 * <p>
 * A backend offers small atomic server operations; the lock engine in the core owns
 * waiting, wake-ups, timeouts, renewal scheduling, re-entrancy, handles and
 * instrumentation. Implementations are thread-safe. A backend never closes a client it
 * was given, only clients it created.
 *
 * @since 0.1.0
 */
public interface LockBackend extends AutoCloseable {

	/**
	 * A short lower-case name for logs, metrics and health: {@code redis}, {@code etcd},
	 * {@code nats} or {@code memory}.
	 * @return the name
	 */
	String name();

	/**
	 * Opens a session: a group of queue entries that live under one lease time. The lock
	 * engine opens one session per distinct lease time and renews all its entries in one
	 * round per period.
	 * @param leaseTime how long an entry lives on the server after its last renewal
	 * @return the session
	 * @throws dev.dlock.LockBackendException if the backend cannot open it (for example,
	 * an etcd lease grant failed)
	 */
	LockSession openSession(Duration leaseTime);

	/**
	 * Checks that the backend answers.
	 * @return the health, completed when the round trip finished; never completed
	 * exceptionally
	 */
	CompletableFuture<BackendHealth> health();

	/**
	 * The optional behaviours of this backend.
	 * @return the capabilities, often empty
	 */
	Set<BackendCapability> capabilities();

	/**
	 * The threads this backend runs its delayed tasks and hand-overs on, if it needs any. A
	 * lock manager built on the backend runs its own timers, and its callbacks unless it
	 * was given a callback executor, on the same threads, so that a backend and the
	 * managers on it start at most two threads between them. A backend that returns empty
	 * starts no thread, and each manager on it starts its own pair. The backend stops the
	 * threads it made in {@link #close()}, so close the managers first.
	 * @return the threads, or empty when the backend needs none
	 */
	default Optional<LockThreads> threads() {
		return Optional.empty();
	}

	/**
	 * Closes the clients this backend created, and stops its {@link #threads() threads}.
	 * Idempotent.
	 */
	@Override
	void close();

}
