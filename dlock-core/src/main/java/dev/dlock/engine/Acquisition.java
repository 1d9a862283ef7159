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
import dev.dlock.support.TimeSource;
import dev.dlock.support.AsyncFailures;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * One request from enqueue to grant: waits (a {@link WaitLoop} per entry) until the backend
 * grants it, and withdraws its entry when it times out, is cancelled, or fails.
 * <p>
 * The result completes with the grant, with {@code null} when a try was rejected, or
 * exceptionally. Whatever completes it first wins; every path that does not end in a
 * grant withdraws the entry from the backend.
 */
final class Acquisition {

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

	private final WaitTimer waitTimer = new WaitTimer();

	private final Object monitor = new Object();

	// guarded by monitor
	private @Nullable LiveEntry entry;

	private @Nullable WaitLoop waitLoop;

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
				Duration.ofNanos(Math.max(0, live.validFor(now))));
	}

	CompletableFuture<@Nullable Grant> start() {
		Observation started = this.observations.startAcquisition(this.key, this.mode);
		synchronized (this.monitor) {
			this.observation = started;
		}
		this.result.whenComplete(this::finish);
		enqueue();
		if (this.waitIfBusy) {
			// stopped already (by finish) when the answer came inside the call: schedules nothing
			this.waitTimer.start(this.time, this.startedAt, this.waitTime,
					() -> fail(new LockAcquisitionTimeoutException(this.key, this.mode, this.waitTime)));
		}
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
		AcquireRequest request = OwnerIds.request(this.key, this.mode, this.waitIfBusy);
		LiveEntry live = this.session.track(request);
		synchronized (this.monitor) {
			if (this.result.isDone()) {
				live.end();
				return;
			}
			this.entry = live;
		}
		live.lossListener((message, cause) -> fail(new LockBackendException(
				"The request for lock '" + this.key + "' lost its place in the queue: " + message, cause)));
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
			case GRANTED -> grant(live, state);
			case GONE -> requeue(live);
			case WAITING -> await(live, state);
			case REJECTED, DEADLOCK -> fail(new IllegalStateException("backend answered " + state.status()
					+ " for a waiting request"));
		}
	}

	/**
	 * Enqueues again after the entry was lost on the server. What waited for the old entry
	 * (its subscription, its re-check) ends here, so that no signal polls an entry that
	 * is gone or one whose enqueue has not been answered yet.
	 */
	private void requeue(LiveEntry gone) {
		WaitLoop ended;
		synchronized (this.monitor) {
			if (this.entry != gone || !gone.end()) {
				return; // another reply of the same entry got here first
			}
			this.entry = null;
			ended = takeWaitLoop();
		}
		close(ended);
		enqueue();
	}

	private void grant(LiveEntry live, QueueState state) {
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
		Grant grant = this.grants.grant(live, state);
		if (!this.result.complete(grant)) {
			grant.releaseHold();
		}
	}

	private void await(LiveEntry live, QueueState state) {
		QueueEntry queueEntry = live.queueEntry();
		if (queueEntry == null) {
			return;
		}
		WaitLoop loop;
		synchronized (this.monitor) {
			if (this.result.isDone() || this.entry != live) {
				return; // decided, or the entry was lost and requeued meanwhile
			}
			if (this.waitLoop == null) {
				this.waitLoop = new WaitLoop(this.session, queueEntry, this.time, this.settings.maxRecheckInterval(),
						(answer) -> handle(live, answer));
			}
			loop = this.waitLoop;
		}
		loop.await(state);
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
		WaitLoop ended;
		synchronized (this.monitor) {
			started = this.observation;
			cancelled = this.aborted;
			ended = takeWaitLoop();
			live = this.entry;
			withdraw = grant == null && !this.rejected;
		}
		this.waitTimer.stop();
		close(ended);
		if (started != null) {
			EngineObservations.stopAcquisition(started, grant != null, failure, cancelled);
		}
		if (withdraw && live != null) {
			this.releaser.withdraw(this.session, live);
		}
		this.session.unclaim();
	}

	/**
	 * Takes the wait loop out of this request, under the monitor; the caller closes it after
	 * leaving the monitor, since the loop's answers come back into this request.
	 */
	private @Nullable WaitLoop takeWaitLoop() {
		WaitLoop loop = this.waitLoop;
		this.waitLoop = null;
		return loop;
	}

	private static void close(@Nullable WaitLoop loop) {
		if (loop != null) {
			loop.close();
		}
	}

}
