package dev.dlock.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.dlock.DistributedLockException;
import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockInfo;
import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.support.TimeSource;
import dev.dlock.support.AsyncFailures;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request from enqueue to grant: waits for change signals from the backend, polls
 * again after each signal and on a bounded re-check timer, and withdraws its entry when it
 * times out, is cancelled, or fails.
 * <p>
 * The result completes with the grant, with {@code null} when a try was rejected, or
 * exceptionally. Whatever completes it first wins; every path that does not end in a
 * grant withdraws the entry from the backend.
 */
final class Acquisition {

	private static final Logger logger = LoggerFactory.getLogger(Acquisition.class);

	private final Grants grants;

	private final Releaser releaser;

	private final TimeSource time;

	private final EngineSettings settings;

	private final EngineObservations observations;

	private final EngineSession session;

	private final String key;

	private final LockMode mode;

	private final Duration waitTime;

	private final boolean waitIfBusy;

	private final CompletableFuture<@Nullable Grant> result = new CompletableFuture<>();

	private final long startedAt;

	private final Object monitor = new Object();

	// guarded by monitor
	private @Nullable LiveEntry entry;

	private @Nullable Subscription subscription;

	private TimeSource.@Nullable Cancellable recheck;

	private TimeSource.@Nullable Cancellable timeout;

	private boolean polling;

	private boolean signalled;

	private boolean arming;

	private boolean granting;

	private boolean rejected;

	private boolean aborted;

	private @Nullable Observation observation;

	/**
	 * @param grants where a granted entry becomes a grant
	 * @param releaser withdraws the entry of a request that ends without a grant
	 * @param session the session the request's entries live under; the caller claimed it
	 * for this request, which lets go of it when it ends
	 */
	Acquisition(Grants grants, Releaser releaser, TimeSource time, EngineSettings settings,
			EngineObservations observations, EngineSession session, String key, LockMode mode, Duration waitTime) {
		this.grants = grants;
		this.releaser = releaser;
		this.time = time;
		this.settings = settings;
		this.observations = observations;
		this.session = session;
		this.key = key;
		this.mode = mode;
		this.waitTime = waitTime;
		this.waitIfBusy = !waitTime.isZero();
		this.startedAt = time.nanoTime();
	}

	/** This request while it waits, or {@code null} once it has ended. */
	@Nullable LockInfo describe(long now) {
		LiveEntry live;
		synchronized (this.monitor) {
			live = this.entry;
		}
		if (this.result.isDone() || live == null || !live.isAttached()) {
			return null;
		}
		return new LockInfo(this.key, this.mode, LockInfo.State.WAITING, null, Duration.ofNanos(now - this.startedAt),
				Duration.ofNanos(Math.max(0, live.validUntil() - now)));
	}

	CompletableFuture<@Nullable Grant> start() {
		Observation started = this.observations.startAcquisition(this.key, this.mode);
		synchronized (this.monitor) {
			this.observation = started;
		}
		this.result.whenComplete(this::finish);
		if (this.waitIfBusy) {
			TimeSource.Cancellable timer = this.time.schedule(this.waitTime,
					() -> fail(new LockAcquisitionTimeoutException(this.key, this.mode, this.waitTime)));
			synchronized (this.monitor) {
				this.timeout = timer;
			}
		}
		enqueue();
		return this.result;
	}

	/** Ends the request from outside (manager closed): the entry is withdrawn. */
	void abort(DistributedLockException reason) {
		synchronized (this.monitor) {
			this.aborted = true;
		}
		fail(reason);
	}

	private void enqueue() {
		CompletableFuture<Void> settled = this.releaser.firstAttemptsSettled(this.key);
		if (settled.isDone()) {
			send();
		}
		else {
			settled.whenComplete((done, failure) -> send());
		}
	}

	private void send() {
		AcquireRequest request = new AcquireRequest(this.key, this.mode, OwnerIds.next(), this.waitIfBusy);
		LiveEntry live = this.session.track(request);
		synchronized (this.monitor) {
			if (this.result.isDone()) {
				live.end();
				return;
			}
			this.entry = live;
		}
		live.lossListener((loss) -> fail(new LockBackendException(
				"The request for lock '" + this.key + "' lost its place in the queue: " + loss.getMessage(), loss)));
		long sentAt = this.time.nanoTime();
		CompletableFuture<EnqueueResult> reply;
		try {
			reply = this.session.backend().enqueue(request);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((enqueued, failure) -> onEnqueued(live, sentAt, enqueued, failure));
	}

	private void onEnqueued(LiveEntry live, long sentAt, @Nullable EnqueueResult enqueued,
			@Nullable Throwable failure) {
		if (failure != null || enqueued == null) {
			fail(AsyncFailures.toLockException((failure != null) ? failure : new IllegalStateException("no reply"),
					"Enqueueing a request for lock '" + this.key + "'"));
			return;
		}
		QueueEntry queueEntry = enqueued.entry();
		if (queueEntry == null) {
			synchronized (this.monitor) {
				this.rejected = true;
			}
			live.end();
			this.result.complete(null);
			return;
		}
		live.attach(queueEntry, sentAt, this.time.nanoTime());
		if (live.isEnded() || this.result.isDone()) {
			// withdrawn while the enqueue was under way: remove again now that it surely
			// reached the server
			this.releaser.withdraw(this.session, live);
			return;
		}
		handle(live, enqueued.state());
	}

	private void handle(LiveEntry live, QueueState state) {
		if (live.isEnded() || this.result.isDone()) {
			return;
		}
		switch (state.status()) {
			case GRANTED -> grant(live);
			case GONE -> requeue(live);
			case WAITING -> await(live, state);
			case REJECTED -> fail(new IllegalStateException("backend rejected a waiting request"));
		}
	}

	/**
	 * Enqueues again after the entry was lost on the server. What waited for the old entry
	 * (its subscription, its re-check) ends here, so that no signal polls an entry that
	 * is gone or one whose enqueue has not been answered yet.
	 */
	private void requeue(LiveEntry gone) {
		synchronized (this.monitor) {
			if (this.entry != gone || !gone.end()) {
				return; // another reply of the same entry got here first
			}
			this.entry = null;
			closeSubscription();
			cancelRecheck();
			this.signalled = false;
		}
		enqueue();
	}

	private void grant(LiveEntry live) {
		synchronized (this.monitor) {
			// two polls can both answer GRANTED (a signal may start one while another's
			// reply is being handled); only the first may make a grant, since undoing a
			// duplicate would remove the entry that the real grant stands on
			if (this.granting || this.result.isDone()) {
				return;
			}
			this.granting = true;
		}
		if (!live.isAlive(this.time.nanoTime())) {
			fail(new LockBackendException("The grant of lock '" + this.key
					+ "' arrived after its lease could no longer be proved alive", null));
			return;
		}
		Grant grant = this.grants.grant(this.session, live);
		if (!this.result.complete(grant)) {
			grant.releaseHold();
		}
	}

	private void await(LiveEntry live, QueueState state) {
		QueueEntry queueEntry = live.queueEntry();
		if (queueEntry == null) {
			return;
		}
		boolean pollNow;
		synchronized (this.monitor) {
			if (this.result.isDone() || this.entry != live) {
				return; // decided, or the entry was lost and requeued meanwhile
			}
			closeSubscription();
			// a signal the backend sends from inside watch() is recorded, not acted on, so
			// that no poll (and no grant) runs before the subscription is in place
			this.arming = true;
			try {
				this.subscription = this.session.backend().watch(queueEntry, this::signal);
			}
			finally {
				this.arming = false;
			}
			pollNow = this.signalled;
			this.signalled = false;
			cancelRecheck();
			if (!pollNow) {
				Duration delay = min(state.recheckAfter(), this.settings.maxRecheckInterval());
				this.recheck = this.time.schedule(delay, this::signal);
			}
		}
		if (pollNow) {
			signal();
		}
	}

	private void signal() {
		LiveEntry live;
		QueueEntry queueEntry;
		synchronized (this.monitor) {
			live = this.entry;
			// before its enqueue is answered an entry has nothing to poll, and the answer
			// itself arms the wait: only an attached entry may mark a poll under way
			queueEntry = (live != null) ? live.queueEntry() : null;
			if (this.result.isDone() || live == null || queueEntry == null) {
				return;
			}
			if (this.polling || this.arming) {
				this.signalled = true;
				return;
			}
			this.polling = true;
			cancelRecheck();
		}
		CompletableFuture<QueueState> reply;
		try {
			reply = this.session.backend().poll(queueEntry);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((state, failure) -> {
			synchronized (this.monitor) {
				this.polling = false;
			}
			if (failure != null || state == null) {
				logger.debug("Polling lock '{}' failed; trying again: {}", this.key,
						(failure != null) ? AsyncFailures.unwrap(failure).toString() : "no reply");
				await(live, QueueState.waiting(this.settings.maxRecheckInterval()));
				return;
			}
			handle(live, state);
		});
	}

	private void fail(Throwable reason) {
		this.result.completeExceptionally(reason);
	}

	/** Runs once when the result completes, on whichever path. */
	private void finish(@Nullable Grant grant, @Nullable Throwable failure) {
		LiveEntry live;
		boolean withdraw;
		Observation started;
		boolean cancelled;
		synchronized (this.monitor) {
			started = this.observation;
			cancelled = this.aborted;
			cancelRecheck();
			if (this.timeout != null) {
				this.timeout.cancel();
			}
			closeSubscription();
			live = this.entry;
			withdraw = grant == null && !this.rejected;
		}
		if (started != null) {
			EngineObservations.stopAcquisition(started, grant != null, failure, cancelled);
		}
		if (withdraw && live != null) {
			this.releaser.withdraw(this.session, live);
		}
		this.session.unclaim();
	}

	private void closeSubscription() {
		if (this.subscription != null) {
			this.subscription.close();
			this.subscription = null;
		}
	}

	private void cancelRecheck() {
		if (this.recheck != null) {
			this.recheck.cancel();
			this.recheck = null;
		}
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

}
