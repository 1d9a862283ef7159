package dev.dlock.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dlock.support.TimeSource;
import org.jspecify.annotations.Nullable;

/**
 * Simulated time and everything that may happen next: messages in flight, timers and
 * callbacks. It never picks; the simulation picks among {@link #eligible()} events with its
 * seeded random.
 * <p>
 * Events made during one step are ordered by their {@code order} key (then by creation)
 * before they join the pending list, so that an engine loop over a hash set (close(),
 * renewal replies) cannot change which event the seed picks later.
 */
final class EventLoop {

	static final long START = 1_000_000_000L;

	private static final Comparator<Event> BY_ORDER = Comparator.comparing((Event event) -> event.order);

	private final long maxDelayNanos;

	private final long timerLagNanos;

	private final boolean fifoToServer;

	private final List<Event> pending = new ArrayList<>();

	private final List<Event> created = new ArrayList<>();

	private final Map<Integer, List<Runnable>> callbackBatches = new HashMap<>();

	private long[] pausedUntil = new long[8];

	private final Set<Integer> crashed = new HashSet<>();

	private long now = START;

	private long nextSeq;

	EventLoop(Duration maxDelay, Duration timerLag, boolean fifoToServer) {
		this.maxDelayNanos = maxDelay.toNanos();
		this.timerLagNanos = timerLag.toNanos();
		this.fifoToServer = fifoToServer;
	}

	long now() {
		return this.now;
	}

	long maxDelayNanos() {
		return this.maxDelayNanos;
	}

	long timerLagNanos() {
		return this.timerLagNanos;
	}

	/** A message to the server; applied when delivered. */
	Event toServer(int client, String label, String order, Runnable deliver, Runnable drop) {
		return add(new Event(Kind.TO_SERVER, client, label, order, this.now, this.now + this.maxDelayNanos, deliver,
				drop));
	}

	/** A message to a client: a reply, a failure or a change signal. */
	Event toClient(int client, String label, Runnable deliver, @Nullable Runnable drop) {
		return add(new Event(Kind.TO_CLIENT, client, label, "", this.now, this.now + this.maxDelayNanos, deliver,
				drop));
	}

	TimeSource timeSource(int client) {
		return new TimeSource() {

			@Override
			public long nanoTime() {
				return EventLoop.this.now;
			}

			@Override
			public Cancellable schedule(Duration delay, Runnable task) {
				long due = EventLoop.this.now + Math.max(0, delay.toNanos());
				Event timer = add(new Event(Kind.TIMER, client, "timer c" + client + " due " + Simulation.format(due),
						"", due, due + EventLoop.this.timerLagNanos, task, null));
				return () -> timer.cancelled = true;
			}

		};
	}

	/**
	 * Queues a callback of the client's callback executor. Callbacks queued in one step
	 * run together, in the order they were queued, in a later step.
	 */
	void callback(int client, Runnable task) {
		List<Runnable> batch = this.callbackBatches.get(client);
		if (batch == null) {
			List<Runnable> tasks = new ArrayList<>();
			this.callbackBatches.put(client, tasks);
			add(new Event(Kind.CALLBACK, client, "callbacks c" + client, "", this.now, this.now + this.maxDelayNanos,
					() -> tasks.forEach(Runnable::run), null));
			batch = tasks;
		}
		batch.add(task);
	}

	private Event add(Event event) {
		if (this.crashed.contains(event.client) && event.kind != Kind.TO_SERVER) {
			event.cancelled = true;
			return event;
		}
		this.created.add(event);
		return event;
	}

	/** Orders the events made in this step and makes them pending. */
	void endStep() {
		if (this.created.size() > 1) {
			this.created.sort(BY_ORDER);
		}
		for (Event event : this.created) {
			event.seq = this.nextSeq++;
			this.pending.add(event);
		}
		this.created.clear();
		this.callbackBatches.clear();
		this.pending.removeIf((event) -> event.cancelled);
	}

	boolean isPaused(int client) {
		return client < this.pausedUntil.length && this.now - this.pausedUntil[client] < 0;
	}

	void pause(int client, long until) {
		if (client >= this.pausedUntil.length) {
			this.pausedUntil = Arrays.copyOf(this.pausedUntil, Math.max(client + 1, 2 * this.pausedUntil.length));
		}
		this.pausedUntil[client] = until;
	}

	void crash(int client) {
		this.crashed.add(client);
		for (Event event : this.pending) {
			if (event.client == client && event.kind != Kind.TO_SERVER) {
				event.cancelled = true;
			}
		}
		this.pending.removeIf((event) -> event.cancelled);
	}

	/** The events that may happen now, in a deterministic order. */
	List<Event> eligible() {
		List<Event> eligible = new ArrayList<>();
		Set<Integer> sending = new HashSet<>();
		for (Event event : this.pending) {
			if (event.cancelled) {
				continue;
			}
			if (event.kind == Kind.TO_SERVER) {
				// a client's requests travel in order on a FIFO connection
				if (!this.fifoToServer || sending.add(event.client)) {
					eligible.add(event);
				}
			}
			else if (!isPaused(event.client) && event.due - this.now <= 0) {
				eligible.add(event);
			}
		}
		return eligible;
	}

	/**
	 * How far time may move: not past an event's deadline (bounded message delays and
	 * timer lag), except the events of a paused client.
	 */
	long bound() {
		long bound = Long.MAX_VALUE;
		for (Event event : this.pending) {
			if (event.cancelled || (event.kind != Kind.TO_SERVER && isPaused(event.client))) {
				continue;
			}
			bound = Math.min(bound, event.deadline);
		}
		for (long until : this.pausedUntil) {
			if (until - this.now > 0) {
				bound = Math.min(bound, until);
			}
		}
		return bound;
	}

	/** The earliest time a pending timer falls due, or {@code Long.MAX_VALUE}. */
	long nextDue() {
		long next = Long.MAX_VALUE;
		for (Event event : this.pending) {
			if (!event.cancelled && !isPaused(event.client)) {
				next = Math.min(next, event.due);
			}
		}
		return next;
	}

	void advanceTo(long target) {
		if (target - this.now > 0) {
			this.now = target;
		}
	}

	void take(Event event) {
		this.pending.remove(event);
	}

	/** Whether a message of the client to the server is still in flight. */
	boolean sending(int client) {
		for (Event event : this.pending) {
			if (event.kind == Kind.TO_SERVER && event.client == client && !event.cancelled) {
				return true;
			}
		}
		for (Event event : this.created) {
			if (event.kind == Kind.TO_SERVER && event.client == client) {
				return true;
			}
		}
		return false;
	}

	int pendingCount() {
		return this.pending.size();
	}

	/** What a pending event is: a server-bound message, a message to a client, a timer or a callback. */
	enum Kind {

		TO_SERVER, TO_CLIENT, TIMER, CALLBACK

	}

	/** Something that may happen. */
	static final class Event {

		final Kind kind;

		final int client;

		final String label;

		final String order;

		final long due;

		final long deadline;

		final Runnable deliver;

		final @Nullable Runnable drop;

		long seq;

		boolean cancelled;

		Event(Kind kind, int client, String label, String order, long due, long deadline, Runnable deliver,
				@Nullable Runnable drop) {
			this.kind = kind;
			this.client = client;
			this.label = label;
			this.order = order;
			this.due = due;
			this.deadline = deadline;
			this.deliver = deliver;
			this.drop = drop;
		}

	}

}
