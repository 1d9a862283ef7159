package dev.dlock.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.dlock.LockMode;

/**
 * The blocking watches of a manager's grants, one per grant with a blocking listener.
 * Kept here rather than in the grant, so that a grant without a listener carries nothing
 * for them; for such grants every call is one check of an empty map.
 */
final class BlockingWatches {

	private final ConcurrentHashMap<Grant, BlockingWatch> byGrant = new ConcurrentHashMap<>();

	private final BlockingWatch.Context context;

	private final boolean supported;

	/**
	 * @param supported whether the backend reads and watches its queues
	 * ({@link dev.dlock.spi.BackendCapability#BLOCKING_NOTIFICATIONS})
	 */
	BlockingWatches(BlockingWatch.Context context, boolean supported) {
		this.context = context;
		this.supported = supported;
	}

	/**
	 * Adds a blocking listener to a grant, starting its watch with the first one. A grant
	 * that ended meanwhile is not watched: either {@link #ended} finds the watch, or this
	 * method finds the grant ended.
	 */
	void add(Grant grant, Consumer<LockMode> listener) {
		if (!this.supported) {
			throw new UnsupportedOperationException("The " + this.context.observations().backend()
					+ " backend cannot tell a holder what it blocks");
		}
		boolean[] created = { false };
		BlockingWatch watch = this.byGrant.computeIfAbsent(grant, (key) -> {
			created[0] = true;
			return new BlockingWatch(grant, this.context);
		});
		if (created[0]) {
			watch.start();
		}
		watch.addListener(listener);
		if (grant.entry().isEnded()) {
			ended(grant);
		}
	}

	/** Reads the grant's queue again, if it is watched: its mode changed. */
	void modeChanged(Grant grant) {
		if (!this.byGrant.isEmpty()) {
			BlockingWatch watch = this.byGrant.get(grant);
			if (watch != null) {
				watch.signal();
			}
		}
	}

	/** Stops the grant's watch, if any: it was released or lost. */
	void ended(Grant grant) {
		if (!this.byGrant.isEmpty()) {
			BlockingWatch watch = this.byGrant.remove(grant);
			if (watch != null) {
				watch.stop();
			}
		}
	}

	/**
	 * The modes that wait for the grant, as its watch last read them.
	 * @return the modes; empty when none waits or the grant is not watched
	 */
	Set<LockMode> blockedModes(Grant grant) {
		BlockingWatch watch = this.byGrant.isEmpty() ? null : this.byGrant.get(grant);
		return (watch != null) ? watch.blockedModes() : Set.of();
	}

}
