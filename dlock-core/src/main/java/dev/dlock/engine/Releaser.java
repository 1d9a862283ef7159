package dev.dlock.engine;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.support.TimeSource;
import dev.dlock.support.AsyncFailures;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes entries from the backend in the background, retrying with back-off until the
 * backend confirms or the entry's lease has surely run out on the server.
 */
final class Releaser {

	private static final Logger logger = LoggerFactory.getLogger(Releaser.class);

	private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

	private final TimeSource time;

	private final long maxBackoffNanos;

	private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();

	/** By key: settles once the first attempt of every removal under way has been answered. */
	private final Map<String, CompletableFuture<Void>> firstAttempts = new ConcurrentHashMap<>();

	private final boolean trackFirstAttempts;

	private final boolean sessionLease;

	/**
	 * @param trackFirstAttempts whether {@link #firstAttemptsSettled} must wait for removals
	 * under way (a backend whose calls may overtake each other)
	 * @param sessionLease whether entries live under a server lease of the session
	 * ({@link dev.dlock.spi.BackendCapability#SESSION_LEASE}), which the engine keeps alive
	 * while the session is open: removals then retry until the session closes
	 */
	Releaser(TimeSource time, Duration maxBackoff, boolean trackFirstAttempts, boolean sessionLease) {
		this.time = time;
		this.maxBackoffNanos = maxBackoff.toNanos();
		this.trackFirstAttempts = trackFirstAttempts;
		this.sessionLease = sessionLease;
	}

	/**
	 * Stops renewing an entry at once and removes it from the backend in the background.
	 * @param session the session the entry lives under
	 * @param entry the entry, attached or with its enqueue still under way
	 */
	void withdraw(EngineSession session, LiveEntry entry) {
		withdraw(session, entry, ValueWrite.NONE);
	}

	/**
	 * Stops renewing a granted entry at once and removes it in the background, writing its
	 * value block first: the value its holder set, or, for a {@code PW} or {@code EX} holder
	 * the manager lost (it may have changed the data halfway), the value as it stands marked
	 * invalid. Each attempt writes before it removes, so that the write happens while the
	 * entry is still granted (DESIGN.md §12), and writes the same again after a lost reply,
	 * which changes nothing.
	 * @param session the session the entry lives under
	 * @param entry the entry
	 * @param write what to write first
	 */
	void withdraw(EngineSession session, LiveEntry entry, ValueWrite write) {
		entry.end();
		long giveUpAt;
		if (this.sessionLease) {
			giveUpAt = Long.MAX_VALUE;
		}
		else if (entry.isAttached()) {
			giveUpAt = entry.serverExpiryBound(this.time.nanoTime());
		}
		else {
			giveUpAt = this.time.nanoTime() + session.leaseNanos();
		}
		QueueEntry queueEntry = entry.queueEntry();
		remove(session, new Removal(entry.request(), queueEntry, (queueEntry != null) ? write : ValueWrite.NONE),
				giveUpAt);
	}

	/**
	 * Removes the request's entry.
	 * @param giveUpAt when to stop retrying (monotonic nanos); retrying also stops when the
	 * session is closed
	 */
	private void remove(EngineSession session, Removal removal, long giveUpAt) {
		CompletableFuture<Void> done = new CompletableFuture<>();
		this.pending.add(done);
		done.whenComplete((result, failure) -> this.pending.remove(done));
		CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
		// a removal sent after a value write may reach the server after a later request
		if (this.trackFirstAttempts || removal.write() != ValueWrite.NONE) {
			CompletableFuture<Void> gate = this.firstAttempts.merge(removal.request().key(), firstAttempt,
					(earlier, added) -> CompletableFuture.allOf(earlier, added));
			gate.whenComplete((result, failure) -> this.firstAttempts.remove(removal.request().key(), gate));
		}
		attempt(session, removal, giveUpAt, FIRST_RETRY_NANOS, done, firstAttempt);
	}

	/**
	 * Completes once every removal of the key started so far has had the answer to its
	 * first attempt, successful or not; at once if there is none (or nothing is tracked).
	 * Retries are not waited for: they are bounded by the lease, not by a round trip.
	 */
	CompletableFuture<Void> firstAttemptsSettled(String key) {
		CompletableFuture<Void> gate = this.firstAttempts.get(key);
		return (gate != null) ? gate : DONE;
	}

	private void attempt(EngineSession session, Removal removal, long giveUpAt, long backoff,
			CompletableFuture<Void> done, CompletableFuture<Void> firstAttempt) {
		AcquireRequest request = removal.request();
		CompletableFuture<Void> removed;
		try {
			removed = removal.send(session.backend());
		}
		catch (RuntimeException ex) {
			removed = CompletableFuture.failedFuture(ex);
		}
		removed.whenComplete((result, failure) -> {
			firstAttempt.complete(null);
			if (failure == null) {
				done.complete(null);
				return;
			}
			long now = this.time.nanoTime();
			if (session.isClosed() || now + backoff - giveUpAt >= 0) {
				logger.warn("Giving up removing lock '{}' ({}); its lease ends it on the server: {}", request.key(),
						request.mode(), AsyncFailures.unwrap(failure).toString());
				done.complete(null);
				return;
			}
			logger.debug("Removing lock '{}' failed, retrying: {}", request.key(), AsyncFailures.unwrap(failure).toString());
			this.time.schedule(Duration.ofNanos(backoff), () -> attempt(session, removal, giveUpAt,
					Math.min(backoff * 2, this.maxBackoffNanos), done, firstAttempt));
		});
	}

	/**
	 * What a removal writes to the entry's value block before it removes the entry.
	 *
	 * @param value the value the holder set, or {@code null}
	 * @param invalidate whether to mark the value invalid instead (a lost writer)
	 */
	record ValueWrite(@Nullable LockValue value, boolean invalidate) {

		/** Nothing to write. */
		static final ValueWrite NONE = new ValueWrite(null, false);

		/** The value as it stands, marked invalid. */
		static final ValueWrite INVALIDATE = new ValueWrite(null, true);

		CompletableFuture<?> send(LockSession backend, QueueEntry entry) {
			if (this.value != null) {
				return backend.writeValue(entry, this.value);
			}
			if (!this.invalidate) {
				return CompletableFuture.completedFuture(null);
			}
			// the entry still holds PW or EX if the read finds it: nobody else writes in between
			return backend.readValue(entry)
				.thenCompose((read) -> (read == null || !read.valid()) ? CompletableFuture.completedFuture(null)
						: backend.writeValue(entry, new LockValue(read.bytes(), read.version(), false)));
		}

	}

	/**
	 * One entry to remove, and what to write to its value block before.
	 */
	private record Removal(AcquireRequest request, @Nullable QueueEntry entry, ValueWrite write) {

		CompletableFuture<Void> send(LockSession backend) {
			QueueEntry granted = this.entry;
			if (this.write == ValueWrite.NONE || granted == null) {
				return backend.remove(this.request);
			}
			return this.write.send(backend, granted).thenCompose((done) -> backend.remove(this.request));
		}

	}

	/** Waits up to {@code timeout} for the removals under way. */
	void awaitPending(Duration timeout) {
		CompletableFuture<?>[] all = this.pending.toArray(CompletableFuture[]::new);
		try {
			CompletableFuture.allOf(all).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (TimeoutException ex) {
			logger.warn("{} lock removals were not confirmed within {}", this.pending.size(), timeout);
		}
		catch (Exception ex) {
			// removals never complete exceptionally
		}
	}

}
