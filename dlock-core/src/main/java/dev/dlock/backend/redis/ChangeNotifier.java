package dev.dlock.backend.redis;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import dev.dlock.support.ResourceChanges;
import dev.dlock.support.WaitingHandOver;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import org.jspecify.annotations.Nullable;

/**
 * Dispatches the backend's one pub/sub channel to local waiters.
 * <p>
 * A script that removes entries publishes {@code "<resource> <ticket>... +<ticket>..."}: the
 * tickets that left and, after a release on a queue without conversions, those of later
 * entries that are granted now (only when a later entry exists that they could have
 * blocked). A down-conversion and a withdrawn or undone conversion publish the ticket of
 * their entry, which now blocks less. A waiter, or a conversion that waits, is woken only
 * when the entry it waits for is among the tickets named (new entries always get larger
 * tickets, and an up-conversion is granted only when it blocks no grant, so only that entry
 * leaving or weakening can grant it), or when it is announced as granted; then its next poll
 * answers without a round trip.
 * <p>
 * A request or conversion that starts to wait on a lock whose queue a holder watches
 * publishes {@code "<resource> ?<ticket> <mode>"} or
 * {@code "<resource> ?<ticket> <granted> <target> <order>"}; it hands that entry to the
 * holders that watch the queue ({@link #watchQueue}) instead of signalling them, wakes no
 * waiter, and moves no waiter's change count.
 * <p>
 * No signal is lost between a poll's reply and the registration of the waiter: the caller
 * reads the change count of the resource before it sends the poll, and
 * {@link #watch} signals at once when the count moved meanwhile (the rule of
 * {@link ResourceChanges}).
 */
final class ChangeNotifier extends RedisPubSubAdapter<String, String> {

	/**
	 * Equal to no count (counts start at zero and only grow): an entry announced as
	 * granted is signalled at once.
	 */
	private static final long SIGNAL_AT_ONCE = -1;

	private final String channel;

	private final ResourceChanges<Watcher> changes;

	private final ResourceChanges<Runnable> queueChanges;

	/** The holders handed the entry that started to wait, when a message names it. */
	private final WaitingHandOver waiting = new WaitingHandOver();

	private final AtomicBoolean firstSubscription = new AtomicBoolean(true);

	/**
	 * @param channel the channel
	 * @param missedSignals where the signal of a change a waiter missed runs: not on the
	 * caller's thread, which may still be setting up its wait; the signal only starts a poll
	 */
	ChangeNotifier(String channel, Executor missedSignals) {
		this.channel = channel;
		this.changes = new ResourceChanges<>(missedSignals);
		this.queueChanges = new ResourceChanges<>(missedSignals);
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
		return this.changes.count(resource);
	}

	/**
	 * Registers a waiter.
	 * @param entry the waiting entry, with what its last enqueue or poll saw
	 * @param resource the id of the entry's resource
	 * @param onChange the signal
	 * @return the registration
	 */
	Subscription watch(RedisQueueEntry entry, String resource, Runnable onChange) {
		long seen = entry.isKnownGranted() ? SIGNAL_AT_ONCE : entry.observedChanges();
		return this.changes.watch(resource, seen, new Watcher(entry, onChange));
	}

	/**
	 * Registers a holder that watches the queue of its lock: it is signalled when a request
	 * or conversion starts to wait there, on a lock marked as watched on the server.
	 * @param resource the id of the lock's resource
	 * @param onChange the signal
	 * @return the registration, in effect at once
	 */
	Subscription watchQueue(String resource, Runnable onChange, Consumer<Queued> onWaiting) {
		Subscription signals = this.queueChanges.watch(resource, this.queueChanges.count(resource), onChange);
		Subscription handOvers = this.waiting.register(resource, onWaiting);
		return () -> {
			signals.close();
			handOvers.close();
		};
	}

	/**
	 * Signals every waiter and every holder that watches a queue, for example after the
	 * pub/sub connection was re-established (messages published meanwhile are lost).
	 */
	void wakeAll() {
		this.changes.changedAll().forEach(Runnable::run);
		this.queueChanges.changedAll().forEach(Runnable::run);
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
		if (space >= 0 && message.startsWith("?", space + 1)) {
			Queued waits = waitingEntry(message, space + 2);
			List<Runnable> signals = this.queueChanges.changed(resource);
			if (waits == null) {
				signals.forEach(Runnable::run);
			}
			else {
				this.waiting.handOverOrSignal(resource, waits, signals);
			}
			return;
		}
		Change change = Change.parse(message, space);
		this.changes.changed(resource, (watcher) -> watcher.concerns(change)).forEach(Runnable::run);
	}

	/**
	 * The entry a {@code ?} message names: {@code <ticket> <mode>} for a request that waits,
	 * {@code <ticket> <granted> <target> <order>} for a conversion that waits; {@code null}
	 * when it names only the ticket.
	 */
	static @Nullable Queued waitingEntry(String message, int from) {
		String[] fields = message.substring(from).split(" ");
		if (fields.length == 2) {
			return Queued.waiting(Long.parseLong(fields[0]), LockMode.valueOf(fields[1]));
		}
		if (fields.length == 4) {
			return Queued.converting(Long.parseLong(fields[0]), LockMode.valueOf(fields[1]),
					LockMode.valueOf(fields[2]), Long.parseLong(fields[3]));
		}
		return null;
	}

	private static boolean contains(long[] tickets, long ticket) {
		for (long candidate : tickets) {
			if (candidate == ticket) {
				return true;
			}
		}
		return false;
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

	/** A waiter: its entry, the ticket of the entry it waits for, and its signal. */
	private static final class Watcher implements Runnable {

		private final RedisQueueEntry entry;

		private final long blockerTicket;

		private final Runnable onChange;

		Watcher(RedisQueueEntry entry, Runnable onChange) {
			this.entry = entry;
			this.blockerTicket = entry.blockerTicket();
			this.onChange = onChange;
		}

		/**
		 * Whether a change can grant this waiter: a message without tickets, the entry it
		 * waits for leaving, or itself announced as granted (which it records).
		 */
		boolean concerns(@Nullable Change change) {
			if (change == null) {
				return true;
			}
			if (contains(change.granted(), this.entry.ticket())) {
				this.entry.grantAnnounced();
				return true;
			}
			return contains(change.removed(), this.blockerTicket);
		}

		@Override
		public void run() {
			this.onChange.run();
		}

	}

}
