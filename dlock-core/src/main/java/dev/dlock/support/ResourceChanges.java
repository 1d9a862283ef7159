package dev.dlock.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;

import dev.dlock.spi.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change counts and local listeners per resource, for a backend's
 * {@link dev.dlock.spi.LockSession#watch watch}: a change that happens between a poll and
 * the registration of its waiter is never lost.
 * <p>
 * The rule: a caller reads the resource's {@link #count count} before (or, where the
 * backend's operation is atomic with it, during) the call whose answer its waiter acts
 * on, and passes that count to {@link #watch}; {@code watch} signals at once when the count
 * moved meanwhile. The backend reports each change that may grant a waiter with
 * {@link #changed}, which moves the count and hands back the signals of the resource's
 * listeners, to run where the backend likes (outside its own locks).
 * <p>
 * Counts are kept in a fixed array of stripes (hash of the resource), so memory stays
 * bounded whatever the number of resources; two resources on one stripe only cause
 * spurious signals, which the SPI allows. Thread-safe.
 *
 * @param <L> the listener type: a {@link Runnable}, which may carry what a backend needs to
 * pick the listeners a change concerns
 * @since 0.1.0
 */
public final class ResourceChanges<L extends Runnable> {

	private static final Logger logger = LoggerFactory.getLogger(ResourceChanges.class);

	private static final int STRIPES = 1024;

	private final AtomicLongArray counts = new AtomicLongArray(STRIPES);

	private final ConcurrentHashMap<String, Set<Registration>> listeners = new ConcurrentHashMap<>();

	private final Executor missedSignals;

	/**
	 * Creates an empty set of counts.
	 * @param missedSignals where {@link #watch} runs the signal of a change the caller
	 * missed; the caller of {@code watch} may still be setting up its wait
	 */
	public ResourceChanges(Executor missedSignals) {
		this.missedSignals = missedSignals;
	}

	/**
	 * The change count of a resource.
	 * @param resource the resource
	 * @return the count
	 */
	public long count(String resource) {
		return this.counts.get(stripe(resource));
	}

	/**
	 * Registers a listener, and runs it at once (on the executor) if the count of the
	 * resource is no longer {@code seen}.
	 * @param resource the resource
	 * @param seen the count the caller read before the call whose answer it acts on
	 * @param listener the listener
	 * @return the registration; closing it stops the signals, also those handed out
	 * already and not yet run
	 */
	public Subscription watch(String resource, long seen, L listener) {
		Registration registration = new Registration(resource, listener);
		this.listeners.compute(resource, (key, current) -> {
			Set<Registration> set = (current != null) ? current : ConcurrentHashMap.newKeySet();
			set.add(registration);
			return set;
		});
		if (count(resource) != seen) {
			this.missedSignals.execute(registration);
		}
		return registration;
	}

	/**
	 * Records a change of a resource.
	 * @param resource the resource
	 * @return the signals of its listeners, to run outside the caller's locks
	 */
	public List<Runnable> changed(String resource) {
		return changed(resource, (listener) -> true);
	}

	/**
	 * Records a change of a resource that concerns only some of its listeners.
	 * @param resource the resource
	 * @param concerned picks the listeners to signal
	 * @return the signals of the listeners picked, to run outside the caller's locks
	 */
	public List<Runnable> changed(String resource, Predicate<? super L> concerned) {
		this.counts.incrementAndGet(stripe(resource));
		Set<Registration> registered = this.listeners.get(resource);
		if (registered == null) {
			return List.of();
		}
		List<Runnable> signals = new ArrayList<>(registered.size());
		for (Registration registration : registered) {
			if (concerned.test(registration.listener)) {
				signals.add(registration);
			}
		}
		return signals;
	}

	/**
	 * Records a change of every resource, as after a lost connection.
	 * @return the signals of all listeners, to run outside the caller's locks
	 */
	public List<Runnable> changedAll() {
		for (int i = 0; i < STRIPES; i++) {
			this.counts.incrementAndGet(i);
		}
		List<Runnable> signals = new ArrayList<>();
		this.listeners.values().forEach(signals::addAll);
		return signals;
	}

	/**
	 * Whether any listener is registered.
	 * @return {@code true} if a listener is registered
	 */
	public boolean isWatched() {
		return !this.listeners.isEmpty();
	}

	private static int stripe(String resource) {
		int hash = resource.hashCode();
		return (hash ^ (hash >>> 16)) & (STRIPES - 1);
	}

	/** One registration; unique, so that the same listener may register twice. */
	private final class Registration implements Subscription, Runnable {

		private final String resource;

		private final L listener;

		private final AtomicBoolean closed = new AtomicBoolean();

		Registration(String resource, L listener) {
			this.resource = resource;
			this.listener = listener;
		}

		@Override
		public void run() {
			if (this.closed.get()) {
				return;
			}
			try {
				this.listener.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A lock change listener failed", ex);
			}
		}

		@Override
		public void close() {
			if (this.closed.compareAndSet(false, true)) {
				ResourceChanges.this.listeners.computeIfPresent(this.resource, (key, set) -> {
					set.remove(this);
					return set.isEmpty() ? null : set;
				});
			}
		}

	}

}
