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

	final List<Conversion> conversions = new ArrayList<>();

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

		/**
		 * The token of the grant as the checks last saw it; a granted conversion gives the
		 * grant a new one.
		 */
		long token;

		/**
		 * The mode granted as the checks last saw it: a re-entrant hold has its grant's mode,
		 * which covers the one asked for; a conversion changes it.
		 */
		LockMode mode;

		/** The grant before the last conversion the checks saw (none: token 0). */
		long previousToken;

		@Nullable LockMode previousMode;

		/** The conversion of this handle the application waits for, if any. */
		@Nullable Conversion converting;

		final long grantedAt;

		boolean released;

		boolean ended;

		/** When the application registered a blocking listener on the handle; 0 if it did not. */
		long listenedAt;

		/**
		 * Since when the handle's grant has been watched: the first blocking listener of any
		 * re-entrant hold of it (a read under way may tell a listener added later).
		 */
		long watchedSince;

		/** Whether the application releases the handle when it is told that it blocks. */
		boolean releaseOnBlocking;

		/** The blocking notices, in the order they came. */
		final List<Notice> notices = new ArrayList<>();

		/** By mode: the last time the handle was seen holding it while listening (0: never). */
		final long[] modeSeenAt = new long[LockMode.values().length];

		Held(Request request, LockHandle handle, long grantedAt) {
			this.request = request;
			this.handle = handle;
			this.token = handle.fencingToken();
			this.mode = handle.mode();
			this.grantedAt = grantedAt;
		}

		/** Notes the mode the handle holds now. */
		void sawMode(long now) {
			this.modeSeenAt[this.handle.mode().ordinal()] = now;
		}

		/** Whether the handle was seen holding, from {@code from} on, a mode that conflicts with the given one. */
		boolean heldConflicting(LockMode mode, long from) {
			for (LockMode held : mode.conflictingModes()) {
				long seen = this.modeSeenAt[held.ordinal()];
				if (seen != 0 && seen - from >= 0) {
					return true;
				}
			}
			return false;
		}

		/** Whether the handle was told of the mode at {@code from} or later. */
		boolean told(LockMode mode, long from) {
			for (Notice notice : this.notices) {
				if (notice.mode == mode && notice.at - from >= 0) {
					return true;
				}
			}
			return false;
		}

		@Override
		public String toString() {
			return "handle of " + this.request + " token " + this.token
					+ ((this.mode != this.request.mode) ? " (" + this.mode + ")" : "");
		}

	}

	/** A blocking notice: when the handle was told that a request in the mode waits for it. */
	record Notice(long at, LockMode mode) {
	}

	/** A conversion the application asked for: what was held before, and its outcome. */
	static final class Conversion {

		final Held held;

		final LockMode from;

		final long fromToken;

		final LockMode to;

		final Duration waitTime;

		@Nullable CompletableFuture<LockHandle> future;

		Conversion(Held held, LockMode to, Duration waitTime) {
			this.held = held;
			this.from = held.handle.mode();
			this.fromToken = held.handle.fencingToken();
			this.to = to;
			this.waitTime = waitTime;
		}

		/**
		 * The strongest mode both the old and the new mode cover: what the holder keeps
		 * while the conversion is under way and after it is given up (the server may grant a
		 * conversion that gives up part of the old mode at once, and let others in).
		 */
		LockMode floor() {
			LockMode floor = LockMode.NL;
			for (LockMode mode : LockMode.values()) {
				if (this.from.covers(mode) && this.to.covers(mode) && mode.covers(floor)) {
					floor = mode;
				}
			}
			return floor;
		}

		@Override
		public String toString() {
			return "conversion of " + this.held + " " + this.from + "->" + this.to + " (wait "
					+ this.waitTime.toMillis() + "ms)";
		}

	}

}
