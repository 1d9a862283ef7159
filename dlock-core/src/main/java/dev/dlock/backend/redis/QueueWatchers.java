package dev.dlock.backend.redis;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import io.lettuce.core.ScriptOutputType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The granted entries of one session whose holders watch their locks' queues, for
 * blocking notifications. Each is registered with the {@link ChangeNotifier} and marked
 * on the server ({@code watch.lua}) for a lease, marked again on every renewal round and
 * unmarked when its last watch closes. Only a lock with a mark makes a request or
 * conversion that starts to wait there publish; a session without watchers does nothing
 * here. Thread-safe.
 */
final class QueueWatchers {

	private static final Logger logger = LoggerFactory.getLogger(QueueWatchers.class);

	private final RedisKeyspace keyspace;

	private final ChangeNotifier notifier;

	/** How long a mark lasts unless marked again: the session's lease. */
	private final String leaseMillis;

	/** The watched entries, with how many watches each has open. */
	private final Map<RedisQueueEntry, Integer> watched = new ConcurrentHashMap<>();

	QueueWatchers(RedisKeyspace keyspace, ChangeNotifier notifier, String leaseMillis) {
		this.keyspace = keyspace;
		this.notifier = notifier;
		this.leaseMillis = leaseMillis;
	}

	/**
	 * Starts watching the queue of a granted entry's lock. The local registration is in
	 * effect at once; the mark on the server follows, and when it is in place the watcher
	 * is signalled once, so that it reads the queue again and finds a request that joined
	 * before the mark (unannounced).
	 * @param entry the granted entry
	 * @param onChange the signal
	 * @param onWaiting told of the entry a message names
	 * @return the watch
	 */
	Subscription watch(RedisQueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		Subscription local = this.notifier.watchQueue(entry.resource().id(), onChange, onWaiting);
		AtomicBoolean closed = new AtomicBoolean();
		this.watched.merge(entry, 1, Integer::sum);
		mark(entry).whenComplete((done, failure) -> {
			if (!closed.get()) {
				onChange.run();
			}
		});
		return () -> {
			if (closed.compareAndSet(false, true)) {
				local.close();
				// the unmark is sent inside the update, so that it never overtakes the mark of a
				// watch that starts meanwhile
				this.watched.computeIfPresent(entry, (key, count) -> {
					if (count > 1) {
						return count - 1;
					}
					unmark(entry);
					return null;
				});
			}
		};
	}

	/**
	 * Marks every watched entry again for another lease; part of each renewal round.
	 */
	void renew() {
		if (this.watched.isEmpty()) {
			return;
		}
		this.watched.keySet().forEach(this::mark);
	}

	private CompletableFuture<Void> mark(RedisQueueEntry entry) {
		return run(LuaScript.WATCH, entry, this.leaseMillis, Long.toString(entry.ticket()));
	}

	private void unmark(RedisQueueEntry entry) {
		run(LuaScript.UNWATCH, entry, Long.toString(entry.ticket()));
	}

	/** Runs a marking script; a failure only costs signals, which the engine makes up for. */
	private CompletableFuture<Void> run(LuaScript script, RedisQueueEntry entry, String... args) {
		return this.keyspace.scripts()
			.run(script, ScriptOutputType.INTEGER, entry.resource().keys(), args, entry.request().key(),
					(Long reply) -> (Void) null)
			.exceptionally((failure) -> {
				logger.debug("Marking the watch of {} failed: {}", entry, failure.toString());
				return null;
			});
	}

}
