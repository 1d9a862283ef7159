package dev.dlock.engine;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueEntry;
import org.jspecify.annotations.Nullable;

/**
 * A request's entry as the engine tracks it: the backend's queue entry and how long its
 * lease is proved alive on the engine's monotonic clock.
 * <p>
 * Validity runs from the moment a successful enqueue or renewal was <em>sent</em>, so it
 * never outlasts the lease on the server.
 */
final class LiveEntry {

	private final AcquireRequest request;

	private final long leaseNanos;

	private final Consumer<LiveEntry> onEnd;

	private final AtomicBoolean ended = new AtomicBoolean();

	private volatile @Nullable QueueEntry queueEntry;

	private volatile long validUntil;

	private volatile long confirmedAt;

	/** Told the message and cause of a loss; the owner builds its exception from them. */
	private volatile BiConsumer<String, @Nullable Throwable> lossListener = (message, cause) -> {
	};

	/**
	 * @param leaseNanos the lease time of the session the entry lives under
	 * @param onEnd told once when the entry ends, lost or on purpose, so that its session
	 * stops renewing it
	 */
	LiveEntry(AcquireRequest request, long leaseNanos, Consumer<LiveEntry> onEnd) {
		this.request = request;
		this.leaseNanos = leaseNanos;
		this.onEnd = onEnd;
	}

	AcquireRequest request() {
		return this.request;
	}

	@Nullable QueueEntry queueEntry() {
		return this.queueEntry;
	}

	void lossListener(BiConsumer<String, @Nullable Throwable> listener) {
		this.lossListener = listener;
	}

	/**
	 * Records the backend's entry once the enqueue that was sent at {@code sentAt} was
	 * confirmed at {@code confirmedAt}.
	 */
	void attach(QueueEntry entry, long sentAt, long confirmedAt) {
		this.validUntil = sentAt + this.leaseNanos;
		this.confirmedAt = confirmedAt;
		this.queueEntry = entry;
	}

	void extend(long sentAt, long confirmedAt) {
		this.validUntil = Math.max(this.validUntil, sentAt + this.leaseNanos);
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
		return this.confirmedAt + this.leaseNanos;
	}

	boolean isAlive(long now) {
		return !this.ended.get() && isAttached() && now - this.validUntil < 0;
	}

	boolean isEnded() {
		return this.ended.get();
	}

	/**
	 * Ends the entry because its lease can no longer be proved, and tells its owner. Only
	 * the first end counts.
	 */
	void lose(String reason, @Nullable Throwable cause) {
		if (this.ended.compareAndSet(false, true)) {
			this.onEnd.accept(this);
			this.lossListener.accept(
					"Lock '" + this.request.key() + "' in mode " + this.request.mode() + " was lost: " + reason, cause);
		}
	}

	/**
	 * Ends the entry on purpose (release or withdrawal): renewal stops at once.
	 * @return {@code true} if this call ended it
	 */
	boolean end() {
		if (this.ended.compareAndSet(false, true)) {
			this.onEnd.accept(this);
			return true;
		}
		return false;
	}

}
