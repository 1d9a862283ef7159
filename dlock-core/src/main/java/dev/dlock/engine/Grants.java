package dev.dlock.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.QueueState;
import dev.dlock.support.TimeSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grants a manager holds, by key, and which thread acquired each (for re-entrant
 * holds). Makes the grant of an entry the backend granted, and when its last hold is
 * released withdraws the entry through the {@link Releaser}.
 * <p>
 * One map serves both: a key's value is its one grant, or an array of its grants when
 * several of this manager's holders share the key (compatible modes). A map of the
 * holding threads is not needed, since each grant knows the thread that acquired it; a
 * map rather than a thread-local, because a handle may be released from another thread.
 * Values change only inside the map's per-key compute and are never modified after, so
 * readers outside it see a consistent value.
 */
final class Grants implements Grant.Registry {

	private static final Logger logger = LoggerFactory.getLogger(Grants.class);

	/** Per key: a {@link Grant}, or a {@code Grant[]} of two or more. */
	private final ConcurrentHashMap<String, Object> byKey = new ConcurrentHashMap<>();

	private final Releaser releaser;

	private final TimeSource time;

	private final Executor callbackExecutor;

	private final EngineObservations observations;

	private final BlockingWatches blockingWatches;

	private final ValueBlocks valueBlocks;

	private final Grant.ConversionsUnderWay conversions = new Grant.ConversionsUnderWay();

	private final Grant.Converter converter;

	Grants(Releaser releaser, TimeSource time, Executor callbackExecutor, EngineObservations observations,
			BlockingWatches blockingWatches, ValueBlocks valueBlocks, Grant.Converter converter) {
		this.converter = converter;
		this.releaser = releaser;
		this.time = time;
		this.callbackExecutor = callbackExecutor;
		this.observations = observations;
		this.blockingWatches = blockingWatches;
		this.valueBlocks = valueBlocks;
	}

	/**
	 * Makes the grant of a granted entry, with one hold.
	 * @param granted what the backend answered: its token, or the entry's ticket as token
	 */
	Grant grant(LiveEntry entry, QueueState granted) {
		long token = granted.tokenFor(Objects.requireNonNull(entry.queueEntry()).ticket());
		Grant grant = new Grant(this, entry, token,
				this.observations.startHold(entry.request().key(), entry.request().mode(), token));
		this.byKey.merge(grant.key(), grant, Grants::added);
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
	public void blockingListenerAdded(Grant grant, Consumer<LockMode> listener) {
		this.blockingWatches.add(grant, listener);
	}

	@Override
	public void modeChanged(Grant grant) {
		this.blockingWatches.modeChanged(grant);
	}

	@Override
	public LockValue value(Grant grant) {
		return this.valueBlocks.value(grant);
	}

	@Override
	public void setValue(Grant grant, byte[] bytes) {
		this.valueBlocks.setValue(grant, bytes);
	}

	@Override
	public @Nullable LockValue valueToWrite(Grant grant) {
		return this.valueBlocks.toWrite(grant);
	}

	@Override
	public void valueWritten(Grant grant, LockValue value) {
		this.valueBlocks.written(grant, value);
	}

	@Override
	public Grant.ConversionsUnderWay conversions() {
		return this.conversions;
	}

	@Override
	public Grant.Converter converter() {
		return this.converter;
	}

	@Override
	public void lost(Grant grant) {
		this.valueBlocks.lost(grant); // a lost holder never writes its value
		this.blockingWatches.ended(grant);
	}

	/** The modes that wait for a grant with a blocking listener, as its watch last saw them. */
	Set<LockMode> blockedModes(Grant grant) {
		return this.blockingWatches.blockedModes(grant);
	}

	@Override
	public void lastHoldReleased(Grant grant) {
		release(grant);
	}

	/** The grant a thread acquired for the key, if it holds one not yet released. */
	@Nullable Grant heldBy(Thread thread, String key) {
		Object value = this.byKey.get(key);
		if (value instanceof Grant grant) {
			return (grant.holderThread() == thread) ? grant : null;
		}
		if (value instanceof Grant[] several) {
			for (Grant grant : several) {
				if (grant.holderThread() == thread) {
					return grant;
				}
			}
		}
		return null;
	}

	/** Records the thread that acquired the grant, so that it may enter again. */
	void holdFor(Thread thread, Grant grant) {
		grant.holderThread(thread);
	}

	/** Stops offering the grant for re-entry (it is no longer valid). */
	void forgetHolder(Grant grant) {
		grant.holderThread(null);
	}

	/** The grants not yet released. */
	List<Grant> held() {
		List<Grant> held = new ArrayList<>(this.byKey.size());
		for (Object value : this.byKey.values()) {
			if (value instanceof Grant grant) {
				held.add(grant);
			}
			else {
				held.addAll(Arrays.asList((Grant[]) value));
			}
		}
		return held;
	}

	/** Releases every grant, whatever holds remain (the manager closes). */
	void releaseAll() {
		held().forEach(this::release);
	}

	private void release(Grant grant) {
		boolean[] removed = { false };
		this.byKey.computeIfPresent(grant.key(), (key, value) -> {
			Object rest = removed(value, grant);
			removed[0] = rest != value;
			return rest;
		});
		if (!removed[0]) {
			return; // released already: by close(), racing the last hold's release
		}
		// the removal goes to the server first: a waiter elsewhere is waiting for it
		this.releaser.withdraw(grant.session(), grant.entry(), this.valueBlocks.released(grant));
		this.blockingWatches.ended(grant);
		grant.holderThread(null);
		logger.debug("Released lock '{}' in mode {} with token {}", grant.key(), grant.mode(), grant.token());
	}

	/** A key's value with one more grant. */
	private static Object added(Object value, Object grant) {
		Grant[] grants = (value instanceof Grant one) ? new Grant[] { one } : (Grant[]) value;
		Grant[] more = Arrays.copyOf(grants, grants.length + 1);
		more[grants.length] = (Grant) grant;
		return more;
	}

	/**
	 * A key's value without the grant: the same value if it does not hold it, {@code null}
	 * if nothing remains.
	 */
	private static @Nullable Object removed(Object value, Grant grant) {
		if (value == grant) {
			return null;
		}
		if (!(value instanceof Grant[] grants)) {
			return value;
		}
		int at = Arrays.asList(grants).indexOf(grant);
		if (at < 0) {
			return value;
		}
		if (grants.length == 2) {
			return grants[1 - at];
		}
		Grant[] fewer = new Grant[grants.length - 1];
		System.arraycopy(grants, 0, fewer, 0, at);
		System.arraycopy(grants, at + 1, fewer, at, fewer.length - at);
		return fewer;
	}

}
