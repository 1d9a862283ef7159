package dev.dlock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;
import dev.dlock.support.CompactDeadline;
import org.jspecify.annotations.Nullable;

/**
 * A request's entry as the engine tracks it: the backend's queue entry and how long its
 * lease is proved alive on the engine's monotonic clock.
 * <p>
 * Validity runs from the moment a successful enqueue or renewal was <em>sent</em>, so it
 * never outlasts the lease on the server.
 * <p>
 * One lives per held lock, so it keeps no per-entry helpers (atomics, lambdas) and no field
 * it can do without: it ends when its loss listener is swapped for a sentinel, one field
 * holds its request and then the backend's entry that carries it, and it carries its own
 * links in its session's {@link SessionEntries}, and it keeps its two times as
 * {@link CompactDeadline}s, each rounded the safe way (the validity down, the server's
 * bound up), which only makes it count the lease a millisecond short at most.
 */
final class LiveEntry {

	private static final VarHandle LOSS_LISTENER;

	static {
		try {
			LOSS_LISTENER = MethodHandles.lookup().findVarHandle(LiveEntry.class, "lossListener", LossListener.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private static final LossListener NO_LISTENER = (message, cause) -> {
	};

	/** The loss listener of an entry that ended: set once, and never replaced. */
	private static final LossListener ENDED = (message, cause) -> {
	};

	private final Owner session;

	/**
	 * The request until the backend's entry is attached, then that entry, which carries the
	 * request: one field for both, since one entry lives per held lock.
	 */
	private volatile Object target;

	/** Until when the lease is proved alive, rounded down. */
	private volatile int validUntil;

	/** The latest confirmation of the entry at the server, rounded up. */
	private volatile int confirmedAt;

	/**
	 * Told the message and cause of a loss; the owner builds its exception from them.
	 * {@link #ENDED} once the entry ended: the first to swap that in ends it.
	 */
	private volatile LossListener lossListener = NO_LISTENER;

	/** The links in the session's entries, guarded by that {@link SessionEntries}. */
	@Nullable LiveEntry previous;

	@Nullable LiveEntry next;

	/**
	 * @param session the session the entry lives under, told once when the entry ends, lost
	 * or on purpose, so that it stops renewing it
	 */
	LiveEntry(AcquireRequest request, Owner session) {
		this.target = request;
		this.session = session;
	}

	/** The session the entry lives under. */
	Owner owner() {
		return this.session;
	}

	AcquireRequest request() {
		Object current = this.target;
		return (current instanceof QueueEntry attached) ? attached.request() : (AcquireRequest) current;
	}

	@Nullable QueueEntry queueEntry() {
		return (this.target instanceof QueueEntry attached) ? attached : null;
	}

	/** Sets who is told of a loss; nobody is told once the entry has ended. */
	void lossListener(LossListener listener) {
		LossListener current = this.lossListener;
		while (current != ENDED && !LOSS_LISTENER.compareAndSet(this, current, listener)) {
			current = this.lossListener;
		}
	}

	/**
	 * Records the backend's entry once the enqueue that was sent at {@code sentAt} was
	 * confirmed at {@code confirmedAt}.
	 */
	void attach(QueueEntry entry, long sentAt, long confirmedAt) {
		this.validUntil = CompactDeadline.roundedDown(sentAt + this.session.leaseNanos());
		this.confirmedAt = CompactDeadline.roundedUp(confirmedAt);
		this.target = entry;
	}

	void extend(long sentAt, long confirmedAt) {
		this.validUntil = CompactDeadline.later(this.validUntil,
				CompactDeadline.roundedDown(sentAt + this.session.leaseNanos()));
		this.confirmedAt = CompactDeadline.later(this.confirmedAt, CompactDeadline.roundedUp(confirmedAt));
	}

	boolean isAttached() {
		return this.target instanceof QueueEntry;
	}

	/**
	 * How long from {@code now} the lease is proved alive (by the engine's clock, in
	 * nanoseconds); zero or less once it is not.
	 */
	long validFor(long now) {
		return CompactDeadline.nanosUntil(this.validUntil, now);
	}

	/**
	 * The latest time the server may still keep this entry: a lease after the last
	 * confirmed renewal.
	 * @param now the engine's clock now, from which the bound is counted
	 */
	long serverExpiryBound(long now) {
		return now + CompactDeadline.nanosUntil(this.confirmedAt, now) + this.session.leaseNanos();
	}

	boolean isAlive(long now) {
		return !isEnded() && isAttached() && validFor(now) > 0;
	}

	boolean isEnded() {
		return this.lossListener == ENDED;
	}

	/**
	 * Ends the entry because its lease can no longer be proved, and tells its owner. Only
	 * the first end counts.
	 */
	void lose(String reason, @Nullable Throwable cause) {
		LossListener listener = (LossListener) LOSS_LISTENER.getAndSet(this, ENDED);
		if (listener != ENDED) {
			this.session.forget(this);
			AcquireRequest request = request();
			listener.entryLost("Lock '" + request.key() + "' in mode " + request.mode() + " was lost: " + reason,
					cause);
		}
	}

	/**
	 * Ends the entry on purpose (release or withdrawal): renewal stops at once.
	 * @return {@code true} if this call ended it
	 */
	boolean end() {
		if (LOSS_LISTENER.getAndSet(this, ENDED) != ENDED) {
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
