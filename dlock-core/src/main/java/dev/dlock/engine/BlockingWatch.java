package dev.dlock.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.Subscription;
import dev.dlock.support.AsyncFailures;
import dev.dlock.spi.Queued;
import dev.dlock.support.TimeSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocking notifications of one grant (DESIGN.md §12): while the grant has a blocking
 * listener, reads its key's queue after every change signal and once per re-check period
 * (signals may be lost), and tells the listeners of each request or conversion that waits
 * in a mode conflicting with the grant's mode and that they were not told of yet.
 * <p>
 * Where the backend's signal carries the entry that started to wait (a hint), the
 * listeners are told at once, and a read follows as after any signal: sent from the
 * callback executor after the listeners' tasks, so that the thread that brought the hint
 * (often the client's I/O thread) does not send it while the listeners' thread wakes up,
 * which on a small machine competes with it for a core.
 * <p>
 * Reads never overlap: a signal during a read asks for one more read after it, however
 * many signals came. The reads' answers and the hints meet in {@link #told}, changed
 * under the watch's monitor: a read's answer replaces it, keeping the entries hinted since
 * that read began (its answer may predate them).
 */
final class BlockingWatch {

	private static final Logger logger = LoggerFactory.getLogger(BlockingWatch.class);

	private final Grant grant;

	private final Context context;

	private final List<Consumer<LockMode>> listeners = new CopyOnWriteArrayList<>();

	/** Listeners added since the last read: they are told of every blocked entry. */
	private final List<Consumer<LockMode>> fresh = new CopyOnWriteArrayList<>();

	/** Signals not yet answered by a read; the read chain runs while it is above zero. */
	private final AtomicInteger signals = new AtomicInteger();

	/**
	 * The blocked entries the listeners were told of, as the last read and the hints since
	 * saw them; replaced, never changed, under the monitor.
	 */
	private volatile Set<Queued> told = Set.of();

	/** The entries hinted since the read under way began; guarded by the monitor. */
	private final Set<Queued> hintedDuringRead = new HashSet<>();

	private volatile boolean stopped;

	private volatile @Nullable Subscription subscription;

	private volatile TimeSource.@Nullable Cancellable recheck;

	BlockingWatch(Grant grant, Context context) {
		this.grant = grant;
		this.context = context;
	}

	/** Adds a listener, told of what waits now at the next read, and asks for that read. */
	void addListener(Consumer<LockMode> listener) {
		this.fresh.add(listener);
		signal();
	}

	/** The modes that wait for the grant, as the last read saw them. */
	Set<LockMode> blockedModes() {
		Set<LockMode> modes = EnumSet.noneOf(LockMode.class);
		for (Queued blocked : this.told) {
			modes.add(Objects.requireNonNull(blocked.requested()));
		}
		return modes;
	}

	/** Subscribes to the queue's changes and reads it once. */
	void start() {
		LockSession backend = this.grant.session().backend();
		QueueEntry entry = this.grant.entry().queueEntry();
		if (entry == null) {
			return; // a granted entry is always attached
		}
		this.subscription = backend.watchQueue(entry, this::signal, this::hinted);
		scheduleRecheck();
		if (this.stopped) {
			closeSubscription();
		}
		signal();
	}

	/** Asks for a read of the queue: it changed, or the grant's mode did. */
	void signal() {
		if (!this.stopped && this.signals.getAndIncrement() == 0) {
			read();
		}
	}

	/**
	 * Tells the listeners at once of an entry that started to wait, if the grant's mode
	 * blocks it and they were not told of it, then asks for a read as a signal does (after
	 * the listeners' tasks, on the callback executor, when there are any).
	 */
	void hinted(Queued waiting) {
		QueueEntry entry = this.grant.entry().queueEntry();
		LockMode requested = waiting.requested();
		if (entry != null && requested != null && waiting.ticket() != entry.ticket()) {
			LockMode held = this.grant.mode();
			List<Consumer<LockMode>> toTell = null;
			synchronized (this) {
				if (!this.stopped && !requested.isCompatibleWith(held) && !this.told.contains(waiting)) {
					Set<Queued> more = new HashSet<>(this.told);
					more.add(waiting);
					this.told = more;
					this.hintedDuringRead.add(waiting);
					// listeners added since the last read are told by the next one, of all that waits
					toTell = List.copyOf(this.listeners);
				}
			}
			if (toTell != null) {
				Executor executor = this.context.callbackExecutor();
				toTell.forEach((listener) -> executor.execute(() -> tell(listener, requested)));
				executor.execute(() -> {
					this.context.observations().blocking(this.grant.key(), held, requested);
					signal();
				});
				return;
			}
		}
		signal();
	}

	/** Stops watching; idempotent. */
	void stop() {
		this.stopped = true;
		closeSubscription();
		TimeSource.Cancellable scheduled = this.recheck;
		if (scheduled != null) {
			scheduled.cancel();
		}
	}

	private void closeSubscription() {
		Subscription current = this.subscription;
		if (current != null) {
			current.close();
		}
	}

	private void scheduleRecheck() {
		if (!this.stopped) {
			TimeSource.Cancellable next = this.context.time().schedule(this.context.recheckInterval(), () -> {
				signal();
				scheduleRecheck();
			});
			this.recheck = next;
			if (this.stopped) {
				next.cancel(); // stopped meanwhile, maybe before this re-check was there to cancel
			}
		}
	}

	private void read() {
		int answered = this.signals.get();
		synchronized (this) {
			this.hintedDuringRead.clear();
		}
		QueueEntry entry = this.grant.entry().queueEntry();
		CompletableFuture<List<Queued>> queue;
		try {
			queue = this.grant.session().backend().queue(entry);
		}
		catch (RuntimeException ex) {
			queue = CompletableFuture.failedFuture(ex);
		}
		queue.whenComplete((entries, failure) -> {
			try {
				if (failure != null) {
					logger.debug("Reading the queue of lock '{}' failed; the next signal or re-check reads again: {}",
							this.grant.key(), AsyncFailures.unwrap(failure).toString());
				}
				else if (!this.stopped) {
					tellNewlyBlocked(entries, entry.ticket());
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Telling the blocking listeners of lock '{}' failed", this.grant.key(), ex);
			}
			finally {
				// whatever happened, the chain goes on: a chain left above zero would read no more
				if (this.signals.addAndGet(-answered) > 0 && !this.stopped) {
					// on the executor, so that a backend answering at once never recurses
					this.context.callbackExecutor().execute(this::read);
				}
			}
		});
	}

	private void tellNewlyBlocked(List<Queued> queue, long ownTicket) {
		LockMode held = this.grant.mode();
		List<Runnable> tells = new ArrayList<>();
		synchronized (this) {
			// the entries handed over since this read began count too: the read may predate them
			Set<Queued> blocked = new HashSet<>();
			for (Queued other : this.hintedDuringRead) {
				if (blocks(held, other, ownTicket)) {
					blocked.add(other);
				}
			}
			for (Queued other : queue) {
				if (blocks(held, other, ownTicket)) {
					blocked.add(other);
				}
			}
			Set<LockMode> newModes = EnumSet.noneOf(LockMode.class);
			Set<LockMode> allModes = EnumSet.noneOf(LockMode.class);
			for (Queued other : blocked) {
				LockMode requested = Objects.requireNonNull(other.requested());
				allModes.add(requested);
				if (!this.told.contains(other)) {
					newModes.add(requested);
				}
			}
			this.told = blocked;
			List<Consumer<LockMode>> added = List.copyOf(this.fresh);
			this.fresh.removeAll(added);
			for (LockMode mode : allModes) {
				List<Consumer<LockMode>> toTell = new ArrayList<>(added);
				if (newModes.contains(mode)) {
					this.context.observations().blocking(this.grant.key(), held, mode);
					toTell.addAll(this.listeners);
				}
				toTell.forEach((listener) -> tells.add(() -> tell(listener, mode)));
			}
			this.listeners.addAll(added);
		}
		tells.forEach(this.context.callbackExecutor()::execute);
	}

	/** Whether an entry of the queue waits in a mode that {@code held} blocks. */
	private static boolean blocks(LockMode held, Queued other, long ownTicket) {
		LockMode requested = other.requested();
		return other.ticket() != ownTicket && requested != null && !requested.isCompatibleWith(held);
	}

	private void tell(Consumer<LockMode> listener, LockMode mode) {
		try {
			listener.accept(mode);
		}
		catch (RuntimeException ex) {
			logger.warn("A blocking listener of '{}' failed", this.grant.key(), ex);
		}
	}

	/**
	 * What the watches of a manager share.
	 */
	record Context(TimeSource time, Executor callbackExecutor, Duration recheckInterval,
			EngineObservations observations) {
	}

}
