package dev.dlock.backend.redis;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

import dev.dlock.spi.Subscription;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches the backend's one pub/sub channel to local waiters.
 * <p>
 * A script that removes entries publishes {@code "<resource> <ticket>... +<ticket>..."}: the
 * tickets that left and, after a release, those of later entries that are granted now (only
 * when a later entry exists that they could have blocked). A waiter is woken only when the
 * entry it waits for is among the ones that left (new entries always get larger tickets, so
 * that entry leaving is the only event that can grant it), or when it is announced as
 * granted; then its next poll answers without a round trip.
 * <p>
 * No signal is lost between a poll's reply and the registration of the waiter: the caller
 * reads the change count of the resource before it sends the poll, and
 * {@link #watch} signals at once when the count moved meanwhile. Counts are kept in a
 * fixed array of stripes (hash of the resource), so memory stays bounded; two resources on
 * one stripe only cause spurious signals, which are allowed.
 */
final class ChangeNotifier extends RedisPubSubAdapter<String, String> {

	private static final Logger logger = LoggerFactory.getLogger(ChangeNotifier.class);

	private static final int STRIPES = 1024;

	private final String channel;

	private final AtomicLongArray changes = new AtomicLongArray(STRIPES);

	private final ConcurrentHashMap<String, Set<Watcher>> watchers = new ConcurrentHashMap<>();

	private final AtomicBoolean firstSubscription = new AtomicBoolean(true);

	ChangeNotifier(String channel) {
		this.channel = channel;
	}

	String channel() {
		return this.channel;
	}

	/**
	 * The change count of a resource; read it before sending the call whose reply the
	 * waiter acts on.
	 * @param resource the resource id
	 * @return the count
	 */
	long changes(String resource) {
		return this.changes.get(stripe(resource));
	}

	/**
	 * Registers a waiter.
	 * @param entry the waiting entry, with what its last enqueue or poll saw
	 * @param onChange the signal
	 * @return the registration
	 */
	Subscription watch(RedisQueueEntry entry, Runnable onChange) {
		String resource = entry.resource().id();
		Watcher watcher = new Watcher(entry, onChange);
		this.watchers.compute(resource, (id, current) -> {
			Set<Watcher> set = (current != null) ? current : ConcurrentHashMap.newKeySet();
			set.add(watcher);
			return set;
		});
		if (entry.isGrantAnnounced() || changes(resource) != entry.observedChanges()) {
			// not on the caller's thread: the caller may still be setting up its wait
			CompletableFuture.runAsync(watcher::fire);
		}
		return watcher;
	}

	/**
	 * Signals every waiter, for example after the pub/sub connection was re-established
	 * (messages published meanwhile are lost).
	 */
	void wakeAll() {
		for (int i = 0; i < STRIPES; i++) {
			this.changes.incrementAndGet(i);
		}
		this.watchers.values().forEach((set) -> set.forEach(Watcher::fire));
	}

	/**
	 * Called on every subscription confirmation. When the client re-subscribes after a
	 * reconnect, messages published while disconnected are lost, so every waiter polls.
	 */
	@Override
	public void subscribed(String channel, long count) {
		if (this.channel.equals(channel) && !this.firstSubscription.compareAndSet(true, false)) {
			wakeAll();
		}
	}

	@Override
	public void message(String channel, String message) {
		if (!this.channel.equals(channel)) {
			return;
		}
		int space = message.indexOf(' ');
		String resource = (space < 0) ? message : message.substring(0, space);
		this.changes.incrementAndGet(stripe(resource));
		Set<Watcher> waiting = this.watchers.get(resource);
		if (waiting == null || waiting.isEmpty()) {
			return;
		}
		Change change = Change.parse(message, space);
		for (Watcher watcher : waiting) {
			RedisQueueEntry entry = watcher.entry;
			if (change == null) {
				watcher.fire();
			}
			else if (contains(change.granted(), entry.ticket())) {
				entry.grantAnnounced();
				watcher.fire();
			}
			else if (contains(change.removed(), watcher.blockerTicket)) {
				watcher.fire();
			}
		}
	}

	private static boolean contains(long[] tickets, long ticket) {
		for (long candidate : tickets) {
			if (candidate == ticket) {
				return true;
			}
		}
		return false;
	}

	private static int stripe(String resource) {
		int hash = resource.hashCode();
		return (hash ^ (hash >>> 16)) & (STRIPES - 1);
	}

	/**
	 * A wake-up: {@code "<resource> <ticket>... +<ticket>..."}, the tickets of the entries
	 * that left and, marked with {@code +}, of later entries that are granted now.
	 */
	private record Change(long[] removed, long[] granted) {

		/** Parses a message, or returns {@code null} when it names no tickets (wake everyone). */
		static @Nullable Change parse(String message, int space) {
			if (space < 0) {
				return null;
			}
			String[] parts = message.substring(space + 1).split(" ");
			int grantedCount = 0;
			for (String part : parts) {
				if (part.startsWith("+")) {
					grantedCount++;
				}
			}
			long[] removed = new long[parts.length - grantedCount];
			long[] granted = new long[grantedCount];
			int r = 0;
			int g = 0;
			try {
				for (String part : parts) {
					if (part.startsWith("+")) {
						granted[g++] = Long.parseLong(part, 1, part.length(), 10);
					}
					else {
						removed[r++] = Long.parseLong(part);
					}
				}
			}
			catch (NumberFormatException ex) {
				return null;
			}
			return new Change(removed, granted);
		}

	}

	private void unregister(Watcher watcher) {
		this.watchers.computeIfPresent(watcher.resource, (id, set) -> {
			set.remove(watcher);
			return set.isEmpty() ? null : set;
		});
	}

	private final class Watcher implements Subscription {

		private final RedisQueueEntry entry;

		private final String resource;

		private final long blockerTicket;

		private final Runnable onChange;

		private final AtomicBoolean closed = new AtomicBoolean();

		Watcher(RedisQueueEntry entry, Runnable onChange) {
			this.entry = entry;
			this.resource = entry.resource().id();
			this.blockerTicket = entry.blockerTicket();
			this.onChange = onChange;
		}

		void fire() {
			if (this.closed.get()) {
				return;
			}
			try {
				this.onChange.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A lock change listener failed: {}", ex.toString());
			}
		}

		@Override
		public void close() {
			if (this.closed.compareAndSet(false, true)) {
				unregister(this);
			}
		}

	}

}
