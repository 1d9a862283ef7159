package dev.dlock.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

/**
 * One application instance: a lock manager on its own connection and clock, the requests
 * it made and the handles it got. Only the simulation's thread touches it.
 */
final class SimulatedClient {

	final int id;

	final SimulatedBackend backend;

	final LockManager manager;

	final List<Request> requests = new ArrayList<>();

	final List<Held> held = new ArrayList<>();

	boolean crashed;

	boolean closed;

	long closedAt;

	SimulatedClient(int id, SimulatedBackend backend, LockManager manager) {
		this.id = id;
		this.backend = backend;
		this.manager = manager;
	}

	boolean isLive() {
		return !this.crashed && !this.closed;
	}

	/** A call of {@code acquireAsync}. */
	static final class Request {

		final int number;

		final String key;

		final LockMode mode;

		final Duration waitTime;

		@Nullable CompletableFuture<LockHandle> future;

		Request(int number, String key, LockMode mode, Duration waitTime) {
			this.number = number;
			this.key = key;
			this.mode = mode;
			this.waitTime = waitTime;
		}

		@Override
		public String toString() {
			return "q" + this.number + " (" + this.key + " " + this.mode + ", wait " + this.waitTime.toMillis() + "ms)";
		}

	}

	/** A handle the application received. */
	static final class Held {

		final Request request;

		final LockHandle handle;

		final long token;

		/** The mode granted: a re-entrant hold has its grant's mode, which covers the one asked for. */
		final LockMode mode;

		final long grantedAt;

		boolean released;

		boolean ended;

		Held(Request request, LockHandle handle, long grantedAt) {
			this.request = request;
			this.handle = handle;
			this.token = handle.fencingToken();
			this.mode = handle.mode();
			this.grantedAt = grantedAt;
		}

		@Override
		public String toString() {
			return "handle of " + this.request + " token " + this.token
					+ ((this.mode != this.request.mode) ? " (re-entrant, " + this.mode + ")" : "");
		}

	}

}
