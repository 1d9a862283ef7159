package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import dev.dlock.support.TimeSource;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A holder's watch on its resource's queue, for blocking notifications: one etcd watch on
 * the resource's prefix that hands over each entry a put shows starting to wait (which
 * stands for a signal), that is the creation of an entry of a request that may wait (a new
 * request joins) or a pending conversion ({@code =PR>EX}). Deletes are filtered out on the
 * server; other puts (flags, grants, entries made explicit, the entries of tries) start no
 * wait and are dropped here.
 * <p>
 * The watch starts at the current revision, which etcd fixes only when the watch is
 * created, after {@link #start} returned. So its creation signals too: whoever reads the
 * queue after that signal sees what happened in between, and everything later comes as
 * events. jetcd resumes a watch broken by a connection failure from the last revision it
 * saw; a watch that etcd or jetcd ends for good (compaction, no leader, a closed client) is
 * signalled and created again after a short delay, as long as the subscription is open.
 */
final class QueueWatch implements Subscription {

	private static final Logger logger = LoggerFactory.getLogger(QueueWatch.class);

	/** How long to wait before watching again after a watch ended. */
	private static final Duration REWATCH_DELAY = Duration.ofMillis(500);

	private static final WatchOption PUTS_FROM_NOW = WatchOption.builder()
		.isPrefix(true)
		.withNoDelete(true)
		.withCreateNotify(true)
		.build();

	private final Watch watches;

	private final ByteSequence prefix;

	private final String lockKey;

	private final TimeSource time;

	private final Runnable onChange;

	private final Consumer<Queued> onWaiting;

	private volatile boolean open = true;

	// guarded by this
	private Watch.@Nullable Watcher watcher;

	private QueueWatch(Watch watches, ByteSequence prefix, String lockKey, TimeSource time, Runnable onChange,
			Consumer<Queued> onWaiting) {
		this.watches = watches;
		this.prefix = prefix;
		this.lockKey = lockKey;
		this.time = time;
		this.onChange = onChange;
		this.onWaiting = onWaiting;
	}

	/**
	 * Starts watching a resource's queue.
	 * @param watches the client's watch service
	 * @param prefix the prefix of the resource's entries
	 * @param lockKey the lock key, for logs
	 * @param time the timer that delays a new watch after one ended
	 * @param onChange the signal
	 * @param onWaiting told of each entry a put shows starting to wait, in place of a signal
	 * @return the watch, to close when the hold ends
	 */
	static QueueWatch start(Watch watches, ByteSequence prefix, String lockKey, TimeSource time, Runnable onChange,
			Consumer<Queued> onWaiting) {
		QueueWatch watch = new QueueWatch(watches, prefix, lockKey, time, onChange, onWaiting);
		watch.watch();
		return watch;
	}

	private synchronized void watch() {
		if (!this.open) {
			return;
		}
		try {
			this.watcher = this.watches.watch(this.prefix, PUTS_FROM_NOW, new Listener());
		}
		catch (RuntimeException ex) {
			// a closed client: the engine's own re-reads are all that is left
			logger.debug("Watching the queue of lock '{}' failed; relying on re-reads: {}", this.lockKey,
					ex.toString());
		}
	}

	private void signal() {
		if (this.open) {
			this.onChange.run();
		}
	}

	/** Signals, and watches again after a delay: the watch ended without being closed. */
	private void ended() {
		if (this.open) {
			this.onChange.run();
			this.time.schedule(REWATCH_DELAY, this::watch);
		}
	}

	@Override
	public void close() {
		this.open = false;
		Watch.Watcher current;
		synchronized (this) {
			current = this.watcher;
			this.watcher = null;
		}
		if (current != null) {
			current.close();
		}
	}

	/**
	 * The entry a put shows starting to wait, as {@code EtcdLockSession#queue} shows it, or
	 * {@code null} when it starts no wait: the entry of a request that may wait, created now
	 * (it may be granted, but then it conflicts with no holder's mode, and a holder is told
	 * only of what conflicts with its own), or a pending conversion, which waits by
	 * construction (also on the entry of a try that was granted), its order being the put's
	 * revision.
	 */
	private static @Nullable Queued startedToWait(KeyValue put) {
		if (put.getVersion() == 1) {
			return EntrySlots.isTry(put.getKey()) ? null
					: Queued.waiting(put.getCreateRevision(), EntryState.parse(put.getValue()).mode());
		}
		EntryState state = EntryState.parse(put.getValue());
		LockMode target = state.target();
		return (target != null)
				? Queued.converting(put.getCreateRevision(), state.mode(), target, put.getModRevision()) : null;
	}

	private final class Listener implements Watch.Listener {

		@Override
		public void onNext(WatchResponse response) {
			if (response.isCreatedNotify()) {
				// what happened between the call and the watch's start is seen by a read after it
				signal();
				return;
			}
			for (WatchEvent event : response.getEvents()) {
				Queued waiting = (event.getEventType() == WatchEvent.EventType.PUT)
						? startedToWait(event.getKeyValue()) : null;
				if (waiting != null && QueueWatch.this.open) {
					QueueWatch.this.onWaiting.accept(waiting);
				}
			}
		}

		@Override
		public void onError(Throwable failure) {
			// jetcd resumes the watch from the last revision it saw, or ends it (onCompleted)
			signal();
		}

		@Override
		public void onCompleted() {
			ended();
		}

	}

}
