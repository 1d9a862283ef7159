package dev.dlock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;
import org.jspecify.annotations.Nullable;

/**
 * A request's entry as the engine tracks it: the backend's queue entry and how long its
 * lease is proved alive on the engine's monotonic clock.
 * <p>
 * Validity runs from the moment a successful enqueue or renewal was <em>sent</em>, so it
 * never outlasts the lease on the server.
 * <p>
 * One lives per held lock, so it keeps no per-entry helpers (atomics, lambdas): its end is
 * a field set by compare-and-set, its session and loss listener are plain references, and
 * it carries its own links in its session's {@link SessionEntries}.
 */
final class LiveEntry {

	private static final VarHandle ENDED;

	static {
		try {
			ENDED = MethodHandles.lookup().findVarHandle(LiveEntry.class, "ended", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private static final LossListener NO_LISTENER = (message, cause) -> {
	};

	private final AcquireRequest request;

	private final Owner session;

	/** Set once, by compare-and-set: only the first end counts. */
	private volatile boolean ended;

	private volatile @Nullable QueueEntry queueEntry;

	private volatile long validUntil;

	private volatile long confirmedAt;

	/** Told the message and cause of a loss; the owner builds its exception from them. */
	private volatile LossListener lossListener = NO_LISTENER;

	/** The links in the session's entries, guarded by that {@link SessionEntries}. */
	@Nullable LiveEntry previous;

	@Nullable LiveEntry next;

	/**
	 * @param session the session the entry lives under, told once when the entry ends, lost
	 * or on purpose, so that it stops renewing it
	 */
	LiveEntry(AcquireRequest request, Owner session) {
		this.request = request;
		this.session = session;
	}

	AcquireRequest request() {
		return this.request;
	}

	@Nullable QueueEntry queueEntry() {
		return this.queueEntry;
	}

	void lossListener(LossListener listener) {
		this.lossListener = listener;
	}

	/**
	 * Records the backend's entry once the enqueue that was sent at {@code sentAt} was
	 * confirmed at {@code confirmedAt}.
	 */
	void attach(QueueEntry entry, long sentAt, long confirmedAt) {
		this.validUntil = sentAt + this.session.leaseNanos();
		this.confirmedAt = confirmedAt;
		this.queueEntry = entry;
	}

	void extend(long sentAt, long confirmedAt) {
		this.validUntil = Math.max(this.validUntil, sentAt + this.session.leaseNanos());
		this.confirmedAt = Math.max(this.confirmedAt, confirmedAt);
	}

	boolean isAttached() {
		return this.queueEntry != null;
	}

	long validUntil() {
		return this.validUntil;
	}

	/**
	 * The latest time the server may still keep this entry: a lease after the last
	 * confirmed renewal.
	 */
	long serverExpiryBound() {
		return this.confirmedAt + this.session.leaseNanos();
	}

	boolean isAlive(long now) {
		return !isEnded() && isAttached() && now - this.validUntil < 0;
	}

	boolean isEnded() {
		return this.ended;
	}

	/**
	 * Ends the entry because its lease can no longer be proved, and tells its owner. Only
	 * the first end counts.
	 */
	void lose(String reason, @Nullable Throwable cause) {
		if (ENDED.compareAndSet(this, false, true)) {
			this.session.forget(this);
			this.lossListener.entryLost(
					"Lock '" + this.request.key() + "' in mode " + this.request.mode() + " was lost: " + reason, cause);
		}
	}

	/**
	 * Ends the entry on purpose (release or withdrawal): renewal stops at once.
	 * @return {@code true} if this call ended it
	 */
	boolean end() {
		if (ENDED.compareAndSet(this, false, true)) {
			this.session.forget(this);
			return true;
		}
		return false;
	}

	/**
	 * The session an entry lives under, as the entry sees it.
	 */
	interface Owner {

		/** The lease time of the session's entries. */
		long leaseNanos();

		/** Stops renewing an entry that ended. */
		void forget(LiveEntry entry);

	}

	/**
	 * Told once when an entry is lost, with the message and cause; the owner (a waiting
	 * request, then the grant) builds its exception from them.
	 */
	@FunctionalInterface
	interface LossListener {

		void entryLost(String message, @Nullable Throwable cause);

	}

}
