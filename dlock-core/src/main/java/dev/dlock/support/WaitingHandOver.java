package dev.dlock.support;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;

/**
 * Per resource, the holders that a backend hands each request or conversion that starts to
 * wait there, for {@link dev.dlock.spi.LockSession#watchQueue(dev.dlock.spi.QueueEntry,
 * Runnable, Consumer) watchQueue}. Resources nobody watches cost nothing. Thread-safe.
 *
 * @since 0.1.0
 */
public final class WaitingHandOver {

	private final Map<String, Set<Consumer<Queued>>> byResource = new ConcurrentHashMap<>();

	/**
	 * Registers a holder of a resource.
	 * @param resource the resource
	 * @param onWaiting told of each entry that starts to wait there
	 * @return the registration; closing it stops the hand-overs
	 */
	public Subscription register(String resource, Consumer<Queued> onWaiting) {
		this.byResource.computeIfAbsent(resource, (key) -> new CopyOnWriteArraySet<>()).add(onWaiting);
		return () -> this.byResource.computeIfPresent(resource, (key, listeners) -> {
			listeners.remove(onWaiting);
			return listeners.isEmpty() ? null : listeners;
		});
	}

	/**
	 * Hands an entry that started to wait to the holders of its resource, on the calling
	 * thread.
	 * @param resource the resource
	 * @param waiting the entry, as {@link dev.dlock.spi.LockSession#queue} would show it
	 * @return whether any holder was told
	 */
	public boolean handOver(String resource, Queued waiting) {
		Set<Consumer<Queued>> listeners = this.byResource.get(resource);
		if (listeners == null) {
			return false;
		}
		listeners.forEach((listener) -> listener.accept(waiting));
		return true;
	}

	/**
	 * Hands an entry that started to wait to the holders of its resource, on the calling
	 * thread, or runs the signals of the resource's queue watchers when no holder took it:
	 * a hand-over stands for the signal ({@link dev.dlock.spi.LockSession#watchQueue
	 * watchQueue}), so a holder is never both handed the entry and signalled for it.
	 * @param resource the resource
	 * @param waiting the entry, as {@link dev.dlock.spi.LockSession#queue} would show it
	 * @param signals the signals of the change, taken when it was applied
	 */
	public void handOverOrSignal(String resource, Queued waiting, List<Runnable> signals) {
		if (!handOver(resource, waiting)) {
			signals.forEach(Runnable::run);
		}
	}

}
