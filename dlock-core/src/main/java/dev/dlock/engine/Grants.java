package dev.dlock.engine;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import dev.dlock.spi.QueueState;
import dev.dlock.support.TimeSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grants a manager holds and, for re-entrant holds, which thread holds which. Makes
 * the grant of an entry the backend granted, and when its last hold is released withdraws
 * the entry through the {@link Releaser}.
 */
final class Grants implements Grant.Registry {

	private static final Logger logger = LoggerFactory.getLogger(Grants.class);

	private final Set<Grant> grants = ConcurrentHashMap.newKeySet();

	private final ThreadHolds threadHolds = new ThreadHolds();

	private final Releaser releaser;

	private final TimeSource time;

	private final Executor callbackExecutor;

	private final EngineObservations observations;

	Grants(Releaser releaser, TimeSource time, Executor callbackExecutor, EngineObservations observations) {
		this.releaser = releaser;
		this.time = time;
		this.callbackExecutor = callbackExecutor;
		this.observations = observations;
	}

	/**
	 * Makes the grant of a granted entry, with one hold.
	 * @param granted what the backend answered: its token, or the entry's ticket as token
	 */
	Grant grant(EngineSession session, LiveEntry entry, QueueState granted) {
		long token = granted.tokenFor(Objects.requireNonNull(entry.queueEntry()).ticket());
		Grant grant = new Grant(this, session, entry, token,
				this.observations.startHold(entry.request().key(), entry.request().mode(), token));
		this.grants.add(grant);
		logger.debug("Granted lock '{}' in mode {} with token {}", grant.key(), grant.mode(), grant.token());
		return grant;
	}

	@Override
	public TimeSource time() {
		return this.time;
	}

	@Override
	public Executor callbackExecutor() {
		return this.callbackExecutor;
	}

	@Override
	public void lastHoldReleased(Grant grant) {
		release(grant);
	}

	/** The grant a thread holds for the key, if it holds one. */
	@Nullable Grant heldBy(Thread thread, String key) {
		return this.threadHolds.find(thread, key);
	}

	/** Records the thread that acquired the grant, so that it may enter again. */
	void holdFor(Thread thread, Grant grant) {
		this.threadHolds.put(thread, grant);
	}

	/** Stops offering the grant for re-entry (it is no longer valid). */
	void forgetHolder(Grant grant) {
		this.threadHolds.remove(grant);
	}

	/** The grants not yet released. */
	List<Grant> held() {
		return List.copyOf(this.grants);
	}

	/** Releases every grant, whatever holds remain (the manager closes). */
	void releaseAll() {
		held().forEach(this::release);
	}

	private void release(Grant grant) {
		if (!this.grants.remove(grant)) {
			return; // released already: by close(), racing the last hold's release
		}
		// the removal goes to the server first: a waiter elsewhere is waiting for it
		this.releaser.withdraw(grant.session(), grant.entry());
		this.threadHolds.remove(grant);
		logger.debug("Released lock '{}' in mode {} with token {}", grant.key(), grant.mode(), grant.token());
	}

}
