package dev.dlock.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;

import dev.dlock.InvalidLockRequestException;
import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockThreads;
import dev.dlock.support.KeyCodec;
import dev.dlock.support.TimeSource;
import dev.dlock.support.AsyncFailures;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock engine: re-entrancy, sessions per lease time, the requests under way, and
 * shutdown. It makes the engine's parts and hands each one its collaborators; none of them
 * calls back into it: an {@link Acquisition} turns a granted entry into a grant through
 * {@link Grants}, and withdraws through the {@link Releaser}. Backends only answer atomic
 * questions.
 */
final class DefaultLockManager implements LockManager {

	private static final Logger logger = LoggerFactory.getLogger(DefaultLockManager.class);

	private final LockBackend backend;

	private final EngineSettings settings;

	private final TimeSource time;

	private final EngineObservations observations;

	private final @Nullable LockThreads ownedThreads;

	private final Map<Duration, EngineSession> sessions = new ConcurrentHashMap<>();

	private final Set<Acquisition> acquisitions = ConcurrentHashMap.newKeySet();

	private final Releaser releaser;

	private final Grants grants;

	private final Conversions conversions;

	private final boolean sessionLease;

	/**
	 * Held (shared) while a request registers itself, and (exclusive) while the manager
	 * closes: no request registers after {@link #close()} collected the ones to abort, and
	 * none opens a session after the sessions were closed.
	 */
	private final ReadWriteLock closing = new ReentrantReadWriteLock();

	private volatile boolean closed;

	/**
	 * @param ownedThreads the threads the manager started for itself because the backend
	 * has none, stopped by {@link #close()}; null when it uses the backend's
	 */
	DefaultLockManager(LockBackend backend, EngineSettings settings, EngineObservations observations,
			TimeSource time, @Nullable LockThreads ownedThreads) {
		this.backend = backend;
		this.settings = settings;
		this.observations = observations;
		this.ownedThreads = ownedThreads;
		this.time = time;
		this.sessionLease = backend.capabilities().contains(BackendCapability.SESSION_LEASE);
		this.releaser = new Releaser(this.time, settings.renewalInterval(),
				!backend.capabilities().contains(BackendCapability.OWN_REMOVALS_FIRST), this.sessionLease);
		this.conversions = new Conversions(backend.capabilities().contains(BackendCapability.CONVERSION), this.time,
				settings, observations);
		BlockingWatches blockingWatches = new BlockingWatches(new BlockingWatch.Context(this.time,
				settings.callbackExecutor(), settings.renewalInterval(), observations),
				backend.capabilities().contains(BackendCapability.BLOCKING_NOTIFICATIONS));
		ValueBlocks valueBlocks = new ValueBlocks(backend.capabilities().contains(BackendCapability.VALUE_BLOCKS),
				observations);
		this.grants = new Grants(this.releaser, this.time, settings.callbackExecutor(), observations,
				blockingWatches, valueBlocks, this.conversions);
	}

	@Override
	public LockHandle acquire(String key, LockMode mode, LockOptions options) throws InterruptedException {
		Thread thread = Thread.currentThread();
		LockHandle reentrant = reenter(thread, key, mode);
		if (reentrant != null) {
			return reentrant;
		}
		CompletableFuture<@Nullable Grant> pending = start(key, mode, options.waitTime(), options);
		Grant grant;
		try {
			grant = pending.get();
		}
		catch (InterruptedException ex) {
			abandon(pending);
			throw ex;
		}
		catch (ExecutionException ex) {
			throw AsyncFailures.toLockException(ex, "Acquiring lock '" + key + "'");
		}
		if (grant == null) {
			throw new LockAcquisitionTimeoutException(key, mode, options.waitTime());
		}
		this.grants.holdFor(thread, grant);
		return new DefaultLockHandle(grant);
	}

	@Override
	public Optional<LockHandle> tryAcquire(String key, LockMode mode, LockOptions options) {
		Thread thread = Thread.currentThread();
		LockHandle reentrant = reenter(thread, key, mode);
		if (reentrant != null) {
			return Optional.of(reentrant);
		}
		Grant grant;
		try {
			grant = start(key, mode, Duration.ZERO, options).join();
		}
		catch (CompletionException ex) {
			// the backend's failure as the API states it, not wrapped by join()
			throw AsyncFailures.toLockException(ex, "Acquiring lock '" + key + "'");
		}
		if (grant == null) {
			return Optional.empty();
		}
		this.grants.holdFor(thread, grant);
		return Optional.of(new DefaultLockHandle(grant));
	}

	@Override
	public CompletableFuture<LockHandle> acquireAsync(String key, LockMode mode, LockOptions options) {
		CompletableFuture<@Nullable Grant> pending;
		try {
			pending = start(key, mode, options.waitTime(), options);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		CompletableFuture<LockHandle> handle = new CompletableFuture<>();
		BiConsumer<@Nullable Grant, @Nullable Throwable> complete = (grant, failure) -> {
			if (failure != null) {
				handle.completeExceptionally(AsyncFailures.toLockException(failure, "Acquiring lock '" + key + "'"));
			}
			else if (grant == null) {
				handle.completeExceptionally(new LockAcquisitionTimeoutException(key, mode, options.waitTime()));
			}
			else if (!handle.complete(new DefaultLockHandle(grant))) {
				// cancelled after the grant was made: nobody else can release it
				grant.releaseHold();
			}
		};
		if (pending.isDone()) {
			// decided on the caller's thread: the caller's continuations may run on it
			pending.whenComplete(complete);
		}
		else {
			// decided later on a backend's thread: the caller's continuations run on the
			// callback executor instead (a blocking call on an I/O thread could stall or
			// deadlock the client)
			pending.whenComplete((grant, failure) -> handOver(() -> complete.accept(grant, failure)));
		}
		handle.whenComplete((result, failure) -> {
			if (handle.isCancelled()) {
				// a grant that completes pending after this is released by 'complete' above
				pending.cancel(false);
			}
		});
		return handle;
	}

	/**
	 * Gives up a result nobody will receive. When the grant won the race against the
	 * cancellation, it is released here: otherwise it would stay held, and renewed, with no
	 * handle to release it.
	 */
	private static void abandon(CompletableFuture<@Nullable Grant> pending) {
		if (!pending.cancel(false)) {
			pending.thenAccept((grant) -> {
				if (grant != null) {
					grant.releaseHold();
				}
			});
		}
	}

	private void handOver(Runnable completion) {
		try {
			this.settings.callbackExecutor().execute(completion);
		}
		catch (RejectedExecutionException ex) {
			completion.run();
		}
	}

	private @Nullable LockHandle reenter(Thread thread, String key, LockMode mode) {
		checkOpen();
		KeyCodec.validate(key);
		Grant held = this.grants.heldBy(thread, key);
		if (held == null) {
			return null;
		}
		if (!held.mode().covers(mode)) {
			throw new InvalidLockRequestException("This thread holds lock '" + key + "' in mode " + held.mode()
					+ " and asks for " + mode + ", which it does not cover; that would wait for itself. "
					+ "Release the lock first, or acquire the stronger mode from the start");
		}
		if (held.tryAddHold()) {
			return new DefaultLockHandle(held);
		}
		this.grants.forgetHolder(held);
		return null;
	}

	private CompletableFuture<@Nullable Grant> start(String key, LockMode mode, Duration waitTime,
			LockOptions options) {
		checkOpen();
		KeyCodec.validate(key);
		Objects.requireNonNull(mode, "'mode' must not be null");
		Duration lease = (options.leaseTime() != null) ? options.leaseTime() : this.settings.leaseTime();
		Acquisition acquisition;
		this.closing.readLock().lock();
		try {
			checkOpen();
			acquisition = new Acquisition(this.grants, this.releaser, this.time, this.settings, this.observations,
					claimSession(lease), key, mode, waitTime);
			this.acquisitions.add(acquisition);
		}
		finally {
			this.closing.readLock().unlock();
		}
		CompletableFuture<@Nullable Grant> result = acquisition.start();
		result.whenComplete((grant, failure) -> this.acquisitions.remove(acquisition));
		return result;
	}

	/**
	 * The session of a lease time, opened if there is none, with one more user: it is not
	 * retired until the request lets go of it ({@link EngineSession#unclaim()}).
	 */
	private EngineSession claimSession(Duration lease) {
		return this.sessions.compute(lease, (leaseTime, existing) -> {
			EngineSession session = existing;
			if (session == null) {
				session = new EngineSession(this.backend.openSession(leaseTime),
						this.settings.renewalIntervalFor(leaseTime), this.sessionLease, this.time, this.observations,
						this::retireIfIdle);
				session.start();
			}
			session.claim();
			return session;
		});
	}

	/**
	 * Closes a session that has had no request and no entry for a while (on etcd it keeps
	 * a server lease alive), unless a request claimed it meanwhile.
	 */
	private void retireIfIdle(EngineSession session) {
		Duration lease = session.backend().leaseTime();
		boolean[] retired = { false };
		this.sessions.computeIfPresent(lease, (leaseTime, current) -> {
			if (current == session && session.isIdle()) {
				retired[0] = true;
				return null;
			}
			return current;
		});
		if (retired[0]) {
			logger.debug("Closing the idle session of lease time {}", lease);
			session.close();
		}
	}

	@Override
	public List<LockInfo> locks() {
		long now = this.time.nanoTime();
		List<LockInfo> locks = new ArrayList<>();
		for (Grant grant : this.grants.held()) {
			LiveEntry entry = grant.entry();
			boolean valid = grant.isValid();
			Grant.Held held = grant.held();
			Grant.PendingConversion converting = grant.pendingConversion();
			locks.add(new LockInfo(grant.key(), held.mode(), valid ? LockInfo.State.HELD : LockInfo.State.LOST,
					held.token(), Duration.ofNanos(now - grant.grantedAt()),
					valid ? Duration.ofNanos(entry.validFor(now)) : Duration.ZERO,
					(converting != null) ? converting.target() : null,
					this.grants.blockedModes(grant)));
		}
		for (Acquisition acquisition : this.acquisitions) {
			LockInfo waiting = acquisition.describe(now);
			if (waiting != null) {
				locks.add(waiting);
			}
		}
		return locks;
	}

	private void checkOpen() {
		if (this.closed) {
			throw new LockBackendException("The lock manager is closed", null);
		}
	}

	@Override
	public void close() {
		this.closing.writeLock().lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
		}
		finally {
			this.closing.writeLock().unlock();
		}
		LockBackendException closing = new LockBackendException("The lock manager was closed", null);
		List.copyOf(this.acquisitions).forEach((acquisition) -> acquisition.abort(closing));
		this.grants.releaseAll();
		this.releaser.awaitPending(this.settings.closeTimeout());
		this.sessions.values().forEach(EngineSession::close);
		if (this.ownedThreads != null) {
			this.ownedThreads.close();
		}
	}

}
