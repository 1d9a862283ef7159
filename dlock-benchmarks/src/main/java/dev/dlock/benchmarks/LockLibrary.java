package dev.dlock.benchmarks;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A distributed lock implementation under test: dlock on one backend, or a peer library.
 * Each {@link #connect()} makes an independent client with its own connections, as a
 * separate application instance would have.
 */
interface LockLibrary {

	/**
	 * The server the library talks to: {@code redis}, {@code etcd}, {@code nats} or
	 * {@code memory}.
	 */
	String server();

	/** The name in the report, for example {@code Redisson RLock}. */
	String name();

	/** The name in the report of the lock used for the modes, if it differs. */
	default String modesName() {
		return name();
	}

	/** Whether {@link LockClient#lock} can wait for a busy lock (ShedLock cannot). */
	default boolean canWait() {
		return true;
	}

	/** Whether the shared and protected-write modes are supported. */
	default boolean hasModes() {
		return false;
	}

	/** Whether held locks are renewed in the background (the scale case needs it). */
	default boolean renews() {
		return true;
	}

	/**
	 * A new client with its own connections.
	 * @throws Exception if it cannot connect
	 */
	LockClient connect() throws Exception;

	/** What a lock is taken for. */
	enum Kind {

		/** dlock {@code EX}; a plain lock elsewhere. */
		EXCLUSIVE,

		/** dlock {@code PR}; a read lock elsewhere. */
		READ,

		/** dlock {@code PW}; a write lock elsewhere. */
		WRITE

	}

	/**
	 * One client of a library. Some libraries bind a lock to the thread that took it, so a
	 * lock is released on the thread that acquired it.
	 */
	interface LockClient extends AutoCloseable {

		/**
		 * Takes a lock, waiting up to {@code wait}.
		 * @return the held lock, or {@code null} if the wait time ran out
		 * @throws Exception if the library failed
		 */
		@Nullable Held lock(String key, Kind kind, Duration wait) throws Exception;

		/**
		 * Takes an exclusive lock, waiting up to 30 seconds.
		 * @throws IllegalStateException if it was not granted within that time
		 * @throws Exception if the library failed
		 */
		default Held lock(String key) throws Exception {
			Held held = lock(key, Kind.EXCLUSIVE, Duration.ofSeconds(30));
			if (held == null) {
				throw new IllegalStateException("Lock " + key + " was not granted within 30 s");
			}
			return held;
		}

		@Override
		void close() throws Exception;

	}

	/** A held lock. */
	@FunctionalInterface
	interface Held {

		/**
		 * Gives the lock back.
		 * @throws Exception if the library failed
		 */
		void unlock() throws Exception;

		/**
		 * Whether the library still counts the lock as held (not lost to a missed renewal);
		 * a library that cannot tell answers {@code true}.
		 */
		default boolean valid() {
			return true;
		}

	}

}
