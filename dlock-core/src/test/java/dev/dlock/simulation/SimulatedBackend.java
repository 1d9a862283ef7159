package dev.dlock.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.dlock.LockBackendException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.BackendCapability;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import org.jspecify.annotations.Nullable;

/**
 * One client's connection to the {@link SimulatedServer}: every call is a message that the
 * simulation delivers (and applies) later, may reorder (unless the connection is FIFO, as
 * Redis and NATS are) or drop; every reply is a message too, which may be lost after the
 * call was applied. Reads of a queue travel the same way; watches of it signal through the
 * server.
 */
final class SimulatedBackend implements LockBackend {

	private final Simulation simulation;

	private final int client;

	private final boolean ownRemovalsFirst;

	private final List<Session> sessions = new ArrayList<>();

	private boolean synchronous;

	/**
	 * The owner ids of entries whose removal writes a value first, from the read or write
	 * until the removal is answered (or the write fails): a request of the same manager for
	 * the key waits for such a removal's first attempt, so a try must not run meanwhile.
	 */
	private final Set<String> valueRemovals = new HashSet<>();

	SimulatedBackend(Simulation simulation, int client, boolean ownRemovalsFirst) {
		this.simulation = simulation;
		this.client = client;
		this.ownRemovalsFirst = ownRemovalsFirst;
	}

	@Override
	public String name() {
		return "simulated";
	}

	@Override
	public LockSession openSession(Duration leaseTime) {
		Session session = new Session(this.sessions.size() + 1, leaseTime);
		this.sessions.add(session);
		return session;
	}

	@Override
	public CompletableFuture<BackendHealth> health() {
		return CompletableFuture.completedFuture(BackendHealth.up(Duration.ZERO, Map.of()));
	}

	@Override
	public Set<BackendCapability> capabilities() {
		return this.ownRemovalsFirst
				? Set.of(BackendCapability.OWN_REMOVALS_FIRST, BackendCapability.CONVERSION,
						BackendCapability.BLOCKING_NOTIFICATIONS, BackendCapability.VALUE_BLOCKS)
				: Set.of(BackendCapability.CONVERSION, BackendCapability.BLOCKING_NOTIFICATIONS,
						BackendCapability.VALUE_BLOCKS);
	}

	@Override
	public void close() {
	}

	/** The sessions opened and not closed, for the idle-session check. */
	List<String> openSessions() {
		List<String> open = new ArrayList<>();
		for (Session session : this.sessions) {
			if (!session.closed) {
				open.add("session " + session.number + " (lease " + session.leaseTime + ")");
			}
		}
		return open;
	}

	/**
	 * Makes every call be applied and answered at once, as a server on the same thread
	 * would, or stops doing so; for the calls that block until their enqueue is answered.
	 * Only safe on a FIFO connection with nothing in flight, so that nothing is overtaken.
	 */
	/**
	 * Whether a removal that writes a value first is under way: a try, which decides on the
	 * calling thread, would wait for its answer, which only the event loop delivers.
	 */
	boolean removingWithValue() {
		return !this.valueRemovals.isEmpty();
	}

	private <T> CompletableFuture<T> removingWithValue(QueueEntry entry, CompletableFuture<T> call) {
		String owner = entry.request().ownerId();
		this.valueRemovals.add(owner);
		return call.whenComplete((result, failure) -> {
			if (failure != null) {
				this.valueRemovals.remove(owner);
			}
		});
	}

	void synchronous(boolean synchronous) {
		this.synchronous = synchronous;
	}

	private <T> CompletableFuture<T> call(String label, String order, Supplier<T> atServer,
			Function<T, String> describe) {
		if (this.synchronous) {
			T result = atServer.get();
			this.simulation.trace("  at once: " + label + ": " + describe.apply(result));
			return CompletableFuture.completedFuture(result);
		}
		CompletableFuture<T> reply = new CompletableFuture<>();
		EventLoop loop = this.simulation.loop;
		loop.toServer(this.client, label, order, () -> {
			T result = atServer.get();
			loop.toClient(this.client, "reply to " + label + ": " + describe.apply(result),
					() -> reply.complete(result), () -> {
						this.simulation.faults.dropped();
						this.simulation.faults.reached("reply lost after the call was applied: " + label.split(" ")[0]);
						reply.completeExceptionally(new LockBackendException("simulated: the reply was lost", null));
					});
		}, () -> {
			this.simulation.faults.dropped();
			loop.toClient(this.client, "failure of " + label,
					() -> reply.completeExceptionally(new LockBackendException("simulated: the call was lost", null)),
					null);
		});
		return reply;
	}

	/** A queue as a reply shows it: its waiting requests and pending conversions. */
	private static String describe(List<Queued> queue) {
		List<String> waiting = new ArrayList<>();
		for (Queued queued : queue) {
			if (queued.requested() != null) {
				waiting.add("t" + queued.ticket() + " " + (queued.isWaiting() ? "" : queued.granted() + "->")
						+ queued.requested());
			}
		}
		return queue.size() + " entries, waiting " + waiting;
	}

	private final class Session implements LockSession {

		private final int number;

		private final Duration leaseTime;

		private boolean closed;

		Session(int number, Duration leaseTime) {
			this.number = number;
			this.leaseTime = leaseTime;
		}

		@Override
		public Duration leaseTime() {
			return this.leaseTime;
		}

		@Override
		public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
			Simulation simulation = SimulatedBackend.this.simulation;
			int client = SimulatedBackend.this.client;
			int requestNo = simulation.register(request);
			String label = "enqueue c" + client + " r" + requestNo + " " + request.key() + " " + request.mode()
					+ (request.waitIfBusy() ? " wait" : " try") + " lease " + this.leaseTime.toMillis() + "ms";
			simulation.faults.enqueueSent(client, request.key());
			CompletableFuture<EnqueueResult> reply = call(label, "",
					() -> simulation.server.enqueue(request, requestNo, client, this.leaseTime.toNanos()),
					(result) -> (result.entry() != null) ? "t" + result.entry().ticket() + " " + result.state().status()
							: "REJECTED");
			reply.whenComplete((result, failure) -> simulation.faults.enqueueAnswered(client, request.key()));
			return reply;
		}

		@Override
		public CompletableFuture<QueueState> poll(QueueEntry entry) {
			SimulatedServer.Entry serverEntry = (SimulatedServer.Entry) entry;
			Simulation simulation = SimulatedBackend.this.simulation;
			return call("poll c" + SimulatedBackend.this.client + " r" + serverEntry.requestNo + " t" + entry.ticket(),
					"", () -> simulation.server.poll(entry), (state) -> {
						if (state.status() == QueueState.Status.GONE) {
							simulation.faults.reached("poll answered GONE");
						}
						return state.status()
								+ ((state.newToken() != QueueState.TICKET_TOKEN) ? " token " + state.newToken() : "");
					});
		}

		@Override
		public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
			SimulatedServer.Entry serverEntry = (SimulatedServer.Entry) entry;
			Simulation simulation = SimulatedBackend.this.simulation;
			return call("convert c" + SimulatedBackend.this.client + " r" + serverEntry.requestNo + " t" + entry.ticket()
					+ " to " + mode + (waitIfBusy ? " wait" : " try"), "",
					() -> simulation.server.convert(entry, mode, waitIfBusy), (state) -> state.status()
							+ ((state.newToken() != QueueState.TICKET_TOKEN) ? " token " + state.newToken() : ""));
		}

		@Override
		public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
			SimulatedServer.Entry serverEntry = (SimulatedServer.Entry) entry;
			Simulation simulation = SimulatedBackend.this.simulation;
			return call("cancelConversion c" + SimulatedBackend.this.client + " r" + serverEntry.requestNo + " t"
					+ entry.ticket() + " back to " + heldMode, "",
					() -> simulation.server.cancelConversion(entry, heldMode), (ended) -> "ended in " + ended);
		}

		@Override
		public Subscription watch(QueueEntry entry, Runnable onChange) {
			return SimulatedBackend.this.simulation.server.watch(entry, SimulatedBackend.this.client, onChange);
		}

		@Override
		public CompletableFuture<List<Queued>> queue(QueueEntry entry) {
			SimulatedServer.Entry serverEntry = (SimulatedServer.Entry) entry;
			Simulation simulation = SimulatedBackend.this.simulation;
			int client = SimulatedBackend.this.client;
			return call("queue c" + client + " r" + serverEntry.requestNo + " t" + entry.ticket(), "",
					() -> simulation.server.queue(entry), SimulatedBackend::describe)
				.thenApply((queue) -> {
					// before the engine sees the reply: it decides with the modes held now
					simulation.queueRead(client);
					return queue;
				});
		}

		@Override
		public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
			return SimulatedBackend.this.simulation.server.watchQueue(entry, SimulatedBackend.this.client, onChange);
		}

		@Override
		public CompletableFuture<@Nullable LockValue> readValue(QueueEntry entry) {
			SimulatedServer.Entry serverEntry = (SimulatedServer.Entry) entry;
			Simulation simulation = SimulatedBackend.this.simulation;
			return removingWithValue(entry, call("readValue c" + SimulatedBackend.this.client + " r"
					+ serverEntry.requestNo + " t" + entry.ticket(), "", () -> simulation.server.readValue(entry),
					String::valueOf));
		}

		@Override
		public CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
			SimulatedServer.Entry serverEntry = (SimulatedServer.Entry) entry;
			Simulation simulation = SimulatedBackend.this.simulation;
			return removingWithValue(entry, call("writeValue c" + SimulatedBackend.this.client + " r"
					+ serverEntry.requestNo + " t" + entry.ticket() + " " + value, "",
					() -> simulation.server.writeValue(entry, value), (written) -> written ? "written" : "refused"));
		}

		@Override
		public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
			List<SimulatedServer.Entry> sorted = new ArrayList<>();
			entries.forEach((entry) -> sorted.add((SimulatedServer.Entry) entry));
			sorted.sort(Comparator.comparingLong(QueueEntry::ticket));
			List<String> tickets = sorted.stream().map((entry) -> "t" + entry.ticket()).toList();
			Simulation simulation = SimulatedBackend.this.simulation;
			return call("renew c" + SimulatedBackend.this.client + " session " + this.number + " " + tickets, "",
					() -> simulation.server.renew(List.copyOf(sorted)),
					(lost) -> lost.isEmpty() ? "all alive" : "lost " + lost.size());
		}

		@Override
		public CompletableFuture<Void> remove(AcquireRequest request) {
			Simulation simulation = SimulatedBackend.this.simulation;
			int requestNo = simulation.requestNumber(request);
			// removals may be made in the order of a hash set (close, renewal replies): the
			// request number orders them the same way in every run
			CompletableFuture<Void> removed = call("remove c" + SimulatedBackend.this.client + " r" + requestNo,
					"remove " + (100_000_000 + requestNo), () -> {
						simulation.server.remove(request);
						return null;
					}, (nothing) -> "done");
			return removed.whenComplete((done, failure) -> SimulatedBackend.this.valueRemovals.remove(request.ownerId()));
		}

		@Override
		public void close() {
			this.closed = true;
		}

	}

}
