package dev.dlock.simulation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import dev.dlock.InvalidLockRequestException;
import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockConversionDeadlockException;
import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.AsyncFailures;
import org.jspecify.annotations.Nullable;

/**
 * One seeded run of the lock engine against the {@link SimulatedServer}: several clients
 * acquire, cancel and release on a few keys while the network delays, reorders and drops
 * messages and the server loses entries, restarts and expires leases. Everything runs on
 * the calling thread on simulated time, so a seed replays exactly.
 * <p>
 * After every step it checks safety (S1: no two conflicting valid handles whose server
 * entries are both live; the lease bound: a valid handle's entry has neither expired nor
 * been removed; FIFO and S2 when a handle is delivered) and liveness (an entry that nothing
 * conflicting precedes is granted or withdrawn within the re-check bound once faults have
 * stopped). After the clients stop, it checks that nothing leaked: no waiter left, no grant
 * without a handle, no entry on the server without a live handle, and no idle session.
 * <p>
 * Some handles get a blocking listener (DESIGN.md §12), and some of those release when told.
 * Every notice must name a mode in which another entry of the key waited on the server
 * since the grant was watched, and that conflicts with a mode the handle held when the
 * engine read the queue (BLOCKING-SPURIOUS); once faults have stopped, a holder whose mode
 * an entry's request or conversion keeps conflicting with must be told of its mode within
 * the blocking bound (BLOCKING-MISSED).
 * <p>
 * Some {@code PW} and {@code EX} holders set a value before they release: the server must
 * hold that value, with the grant's token, when the removal (or a down-conversion out of
 * PW/EX) reaches it (VALUE-LOST).
 */
final class Simulation {

	static final Duration MAX_RECHECK = Duration.ofSeconds(1);

	private static final int TRACE_LINES = 400;

	/**
	 * How many lease times a manager without requests or entries may keep a session: the
	 * engine closes one after three idle lease times, checked once a renewal period.
	 */
	private static final int IDLE_LEASES = 5;

	private static final int MAX_STEPS_PER_PHASE = 200_000;

	private static final LockMode[] MODES = { LockMode.EX, LockMode.EX, LockMode.EX, LockMode.PW, LockMode.PW,
			LockMode.PR, LockMode.PR, LockMode.PR, LockMode.CW, LockMode.CW, LockMode.CR, LockMode.NL };

	final long seed;

	final Config config;

	final EventLoop loop;

	final Faults faults;

	final SimulatedServer server;

	private final Random random;

	private final List<SimulatedClient> clients = new ArrayList<>();

	private final Map<String, Integer> requestNumbers = new HashMap<>();

	private final Set<Long> delivered = new HashSet<>();

	/** The delivered handles not yet seen invalid. */
	private final List<SimulatedClient.Held> active = new ArrayList<>();

	private final Map<Long, Long> grantableSince = new HashMap<>();

	/** By handle and waiting entry: since when the entry's mode has conflicted with the handle's. */
	private final Map<String, Long> blockedSince = new HashMap<>();

	private final Map<String, long[]> maxEndedToken = new HashMap<>();

	private final Deque<Line> trace = new ArrayDeque<>();

	private final @Nullable Consumer<String> traceOut;

	private final long livenessBound;

	private final long blockingBound;

	private long traceDigest = 17;

	private int steps;

	private int nextClientId;

	private int nextRequest;

	private @Nullable Violation pendingViolation;

	Simulation(long seed, @Nullable Consumer<String> traceOut) {
		this(seed, traceOut, SimulatedServer.Breakage.NONE);
	}

	/**
	 * @param breakage a rule the server breaks on purpose, to show that the checks catch it
	 */
	Simulation(long seed, @Nullable Consumer<String> traceOut, SimulatedServer.Breakage breakage) {
		this.seed = seed;
		this.traceOut = traceOut;
		this.random = new Random(seed);
		this.config = Config.random(this.random);
		this.loop = new EventLoop(this.config.maxDelay, this.config.timerLag, this.config.fifo);
		long recovery = this.config.maxLease().toNanos() / 3 + 4 * this.config.maxDelay.toNanos();
		this.faults = new Faults(this.loop, recovery);
		this.server = new SimulatedServer(this.loop, this.faults, this.config.signalEnqueues, breakage, this::record);
		this.livenessBound = MAX_RECHECK.toNanos() + 2 * this.config.timerLag.toNanos()
				+ 10 * this.config.maxDelay.toNanos();
		// the engine re-reads a watched queue once per renewal interval of the manager (a
		// third of its lease), however many signals were lost
		this.blockingBound = this.config.lease.toNanos() / 3 + 2 * this.config.timerLag.toNanos()
				+ 10 * this.config.maxDelay.toNanos();
	}

	/** Runs the seed to the end or to its first violation. */
	Result run() {
		try {
			trace("config " + this.config);
			for (int i = 0; i < this.config.clients; i++) {
				newClient();
			}
			this.loop.endStep();
			active();
			quiesce();
			releaseAll();
			idle();
			closeAll();
			return result(null);
		}
		catch (Violation violation) {
			return result(violation);
		}
	}

	// the phases

	private void active() {
		int actions = 0;
		int guard = 0;
		while (actions < this.config.actions) {
			if (step(true, true)) {
				actions++;
			}
			guard(++guard);
		}
	}

	/** No more client actions or faults: every waiter must be served or give up. */
	private void quiesce() {
		trace("quiesce: no more actions or faults");
		this.clients.forEach((client) -> this.loop.pause(client.id, this.loop.now()));
		this.faults.allEnded(this.loop.now());
		runUntil(this.loop.now() + this.config.maxWait.toNanos() + this.config.maxLease().toNanos() + this.livenessBound);
		for (SimulatedClient client : liveClients()) {
			for (SimulatedClient.Request request : client.requests) {
				if (request.future != null && !request.future.isDone()) {
					throw new Violation("WAITER-LEFT", "c" + client.id + "'s " + request
							+ " is still not complete after its wait time and a lease");
				}
			}
			for (SimulatedClient.Conversion conversion : client.conversions) {
				if (conversion.future != null && !conversion.future.isDone()) {
					throw new Violation("WAITER-LEFT", "c" + client.id + "'s " + conversion
							+ " is still not complete after its wait time and a lease");
				}
			}
			Set<Long> handles = new HashSet<>();
			client.held.stream()
				.filter((held) -> !held.released)
				.forEach((held) -> handles.add(held.handle.fencingToken()));
			for (LockInfo info : client.manager.locks()) {
				if (info.state() == LockInfo.State.WAITING) {
					throw new Violation("WAITER-LEFT", "c" + client.id + " still shows a request WAITING: " + info);
				}
				if (info.fencingToken() != null && !handles.contains(info.fencingToken())) {
					throw new Violation("LEAK",
							"c" + client.id + " holds a grant that no unreleased handle stands for: " + info);
				}
			}
		}
		for (SimulatedServer.Entry entry : this.server.liveEntries()) {
			SimulatedClient owner = this.clients.get(entry.client);
			boolean handled = owner.isLive() && owner.held.stream()
				.anyMatch((held) -> this.server.entry(held.handle.fencingToken()) == entry && !held.released
						&& held.handle.isValid());
			if (!handled) {
				throw new Violation("LEAK", "the server keeps " + entry + " but no live, valid handle stands for it"
						+ diagnose(entry));
			}
		}
		checkSettledModes();
	}

	/**
	 * Once every call has settled, a valid handle shows the mode its entry is granted in on
	 * the server, with no conversion pending there: never half-converted. (The token may
	 * differ: a withdrawal that undoes a granted conversion goes back to the old mode, and
	 * the handle keeps the old token.)
	 */
	private void checkSettledModes() {
		for (SimulatedClient client : liveClients()) {
			for (SimulatedClient.Held held : client.held) {
				if (held.released || !held.handle.isValid()) {
					continue;
				}
				SimulatedServer.Entry entry = this.server.entry(held.handle.fencingToken());
				if (entry == null || !this.server.isLive(entry)) {
					continue; // lost by a fault: the next renewal tells the holder
				}
				if (entry.granted != held.handle.mode() || entry.converting != null) {
					throw new Violation("HALF-CONVERTED", "c" + client.id + "'s " + held + " shows "
							+ held.handle.mode() + " token " + held.handle.fencingToken() + " but the server has " + entry
							+ diagnose(entry));
				}
			}
		}
	}

	private void releaseAll() {
		trace("release every handle");
		for (SimulatedClient client : liveClients()) {
			for (SimulatedClient.Held held : client.held) {
				if (!held.released) {
					held.released = true;
					held.handle.release();
				}
			}
		}
		this.loop.endStep();
		runUntil(this.loop.now() + this.config.maxLease().toNanos() + this.livenessBound);
		List<SimulatedServer.Entry> left = this.server.liveEntries();
		if (!left.isEmpty()) {
			throw new Violation("LEAK", "the server keeps " + left + " after every handle was released");
		}
		for (SimulatedClient client : liveClients()) {
			List<LockInfo> locks = client.manager.locks();
			if (!locks.isEmpty()) {
				throw new Violation("LEAK", "c" + client.id + " still lists " + locks + " after every release");
			}
		}
	}

	/** Defect 7: a manager keeps a session per lease time for ever. */
	private void idle() {
		runUntil(this.loop.now() + IDLE_LEASES * this.config.maxLease().toNanos());
		for (SimulatedClient client : liveClients()) {
			List<String> open = client.backend.openSessions();
			if (!open.isEmpty()) {
				throw new Violation("IDLE-SESSION",
						"c" + client.id + " keeps " + open + " open after " + IDLE_LEASES + " idle lease times");
			}
		}
	}

	private void closeAll() {
		trace("close every manager");
		for (SimulatedClient client : liveClients()) {
			client.closed = true;
			client.manager.close();
		}
		this.loop.endStep();
		runUntil(this.loop.now() + this.config.maxLease().toNanos() + this.livenessBound);
		for (SimulatedClient client : this.clients) {
			if (!client.crashed && !client.backend.openSessions().isEmpty()) {
				throw new Violation("LEAK", "c" + client.id + " keeps " + client.backend.openSessions()
						+ " open after close()");
			}
		}
		if (!this.server.liveEntries().isEmpty()) {
			throw new Violation("LEAK", "the server keeps " + this.server.liveEntries() + " after every close()");
		}
	}

	private void runUntil(long end) {
		int guard = 0;
		while (this.loop.now() - end < 0) {
			step(false, false);
			guard(++guard);
		}
	}

	private void guard(int count) {
		if (count > MAX_STEPS_PER_PHASE) {
			throw new Violation("NO-PROGRESS", "a phase took more than " + MAX_STEPS_PER_PHASE + " steps");
		}
	}

	// one step

	/** Makes one thing happen; returns whether it was a client action. */
	private boolean step(boolean actions, boolean withFaults) {
		this.steps++;
		boolean acted = false;
		double roll = this.random.nextDouble();
		try {
			if (actions && roll < 0.12) {
				act();
				acted = true;
			}
			else if (withFaults && roll < 0.12 + this.config.faultRate) {
				fault();
			}
			else if (roll > 0.99) {
				trace("server sweeps expired entries");
				this.server.sweepAll();
			}
			else {
				happen(withFaults);
			}
		}
		catch (Violation violation) {
			throw violation;
		}
		catch (RuntimeException ex) {
			throw new Violation("ENGINE-ERROR", "step threw " + ex, ex);
		}
		this.loop.endStep();
		check();
		return acted;
	}

	private void happen(boolean withFaults) {
		List<EventLoop.Event> eligible = this.loop.eligible();
		boolean advance = eligible.isEmpty() || this.random.nextDouble() < 0.2;
		if (advance && advanceTime(eligible.isEmpty())) {
			return;
		}
		if (eligible.isEmpty()) {
			return;
		}
		EventLoop.Event event = eligible.get(this.random.nextInt(eligible.size()));
		this.loop.take(event);
		Runnable drop = event.drop;
		if (withFaults && drop != null && this.random.nextDouble() < this.config.dropRate) {
			trace("DROP " + event.label);
			drop.run();
		}
		else {
			trace(event.label);
			event.deliver.run();
		}
	}

	private boolean advanceTime(boolean nothingElse) {
		long now = this.loop.now();
		int scale = this.random.nextInt(10);
		long step = (scale < 4) ? Duration.ofMillis(2).toNanos()
				: (scale < 8) ? Duration.ofMillis(100).toNanos() : Duration.ofSeconds(2).toNanos();
		long target = now + 1 + (long) (this.random.nextDouble() * step);
		long nextDue = this.loop.nextDue();
		if (nothingElse && nextDue != Long.MAX_VALUE) {
			target = Math.max(target, nextDue);
		}
		target = Math.min(target, this.loop.bound());
		if (target - now <= 0) {
			return false;
		}
		// liveness changes only as time passes: what became grantable since the last
		// advance did so at this time
		checkLiveness();
		checkBlocking();
		this.loop.advanceTo(target);
		checkLiveness();
		checkBlocking();
		return true;
	}

	// client actions

	private void act() {
		List<SimulatedClient> able = new ArrayList<>();
		for (SimulatedClient client : liveClients()) {
			if (!this.loop.isPaused(client.id)) {
				able.add(client);
			}
		}
		if (able.isEmpty()) {
			return;
		}
		SimulatedClient client = able.get(this.random.nextInt(able.size()));
		int roll = this.random.nextInt(100);
		if (roll < 40) {
			acquire(client);
		}
		else if (roll < 44) {
			tryAcquire(client);
		}
		else if (roll < 47) {
			interruptedAcquire(client);
		}
		else if (roll < 57) {
			convertAsync(client);
		}
		else if (roll < 60) {
			tryConvert(client);
		}
		else if (roll < 63) {
			interruptedConvert(client);
		}
		else if (roll < 83) {
			release(client);
		}
		else if (roll < 96) {
			cancel(client);
		}
		else {
			trace("close c" + client.id);
			client.closed = true;
			client.closedAt = this.loop.now();
			client.manager.close();
			replace();
		}
	}

	private void acquire(SimulatedClient client) {
		String key = "k" + this.random.nextInt(this.config.keys);
		LockMode mode = MODES[this.random.nextInt(MODES.length)];
		Duration wait = (this.random.nextInt(4) == 0) ? Duration.ZERO
				: Duration.ofMillis(this.random.nextInt((int) this.config.maxWait.toMillis()));
		LockOptions options = LockOptions.waitTime(wait);
		if (this.random.nextInt(4) == 0) {
			options = options.withLeaseTime(this.config.altLease);
		}
		SimulatedClient.Request request = new SimulatedClient.Request(++this.nextRequest, key, mode, wait);
		client.requests.add(request);
		trace("acquireAsync c" + client.id + " " + request
				+ ((options.leaseTime() != null) ? " lease " + options.leaseTime().toMillis() + "ms" : ""));
		CompletableFuture<LockHandle> future = client.manager.acquireAsync(key, mode, options);
		request.future = future;
		future.whenComplete((handle, failure) -> {
			if (handle != null) {
				delivered(client, request, handle);
			}
			else if (failure != null) {
				this.faults.reached("acquireAsync ended with " + failure.getClass().getSimpleName());
			}
		});
	}

	/**
	 * {@code tryAcquire} joins its enqueue's reply on this thread, so it runs only where the
	 * reply can come at once: on a FIFO connection with nothing in flight (else the call
	 * would overtake a removal). The same thread holds every key, so it may re-enter.
	 */
	private void tryAcquire(SimulatedClient client) {
		if (!this.config.fifo || this.loop.sending(client.id) || client.backend.removingWithValue()) {
			return;
		}
		String key = "k" + this.random.nextInt(this.config.keys);
		LockMode mode = MODES[this.random.nextInt(MODES.length)];
		SimulatedClient.Request request = new SimulatedClient.Request(++this.nextRequest, key, mode, Duration.ZERO);
		trace("tryAcquire c" + client.id + " " + request);
		Optional<LockHandle> handle;
		client.backend.synchronous(true);
		try {
			handle = client.manager.tryAcquire(key, mode);
		}
		catch (InvalidLockRequestException ex) {
			trace("  refused: this thread holds the key in a mode that does not cover " + mode);
			return;
		}
		finally {
			client.backend.synchronous(false);
		}
		request.future = CompletableFuture.completedFuture(handle.orElse(null));
		client.requests.add(request);
		if (handle.isPresent()) {
			if (this.delivered.contains(handle.get().fencingToken())) {
				this.faults.reached("re-entrant hold");
			}
			delivered(client, request, handle.get());
		}
	}

	/**
	 * A blocking {@code acquire} on a thread that is already interrupted: granted at once,
	 * or withdrawn when it would wait. Runs where {@link #tryAcquire} may.
	 */
	private void interruptedAcquire(SimulatedClient client) {
		if (!this.config.fifo || this.loop.sending(client.id) || client.backend.removingWithValue()) {
			return;
		}
		String key = "k" + this.random.nextInt(this.config.keys);
		LockMode mode = MODES[this.random.nextInt(MODES.length)];
		Duration wait = Duration.ofMillis(1 + this.random.nextInt((int) this.config.maxWait.toMillis()));
		SimulatedClient.Request request = new SimulatedClient.Request(++this.nextRequest, key, mode, wait);
		trace("acquire on an interrupted thread c" + client.id + " " + request);
		LockHandle handle;
		client.backend.synchronous(true);
		Thread.currentThread().interrupt();
		try {
			handle = client.manager.acquire(key, mode, wait);
		}
		catch (InterruptedException ex) {
			trace("  interrupted: the request is withdrawn");
			this.faults.reached("acquire interrupted");
			return;
		}
		catch (InvalidLockRequestException ex) {
			trace("  refused: this thread holds the key in a mode that does not cover " + mode);
			return;
		}
		finally {
			Thread.interrupted();
			client.backend.synchronous(false);
		}
		request.future = CompletableFuture.completedFuture(handle);
		client.requests.add(request);
		if (this.delivered.contains(handle.fencingToken())) {
			this.faults.reached("re-entrant hold");
		}
		delivered(client, request, handle);
	}

	private void release(SimulatedClient client) {
		List<SimulatedClient.Held> unreleased = client.held.stream().filter((held) -> !held.released).toList();
		if (unreleased.isEmpty()) {
			return;
		}
		SimulatedClient.Held held = unreleased.get(this.random.nextInt(unreleased.size()));
		LockMode mode = held.handle.mode();
		if ((mode == LockMode.PW || mode == LockMode.EX) && held.converting == null && held.handle.isValid()
				&& this.random.nextBoolean()) {
			byte[] value = ("v" + this.loop.now()).getBytes(StandardCharsets.UTF_8);
			held.handle.setValue(value);
			this.server.valueSet(held.handle.fencingToken(), value);
			trace("setValue c" + client.id + " " + held + " " + new String(value, StandardCharsets.UTF_8));
		}
		trace("release c" + client.id + " " + held);
		held.released = true;
		held.handle.release();
	}

	private void cancel(SimulatedClient client) {
		List<SimulatedClient.Request> waiting = client.requests.stream()
			.filter((request) -> request.future != null && !request.future.isDone())
			.toList();
		List<SimulatedClient.Conversion> converting = client.conversions.stream()
			.filter((conversion) -> conversion.future != null && !conversion.future.isDone())
			.toList();
		if (!converting.isEmpty() && (waiting.isEmpty() || this.random.nextBoolean())) {
			cancelConversion(client, converting.get(this.random.nextInt(converting.size())));
			return;
		}
		if (waiting.isEmpty()) {
			return;
		}
		SimulatedClient.Request request = waiting.get(this.random.nextInt(waiting.size()));
		trace("cancel c" + client.id + " " + request);
		this.faults.reached("cancel of a pending acquireAsync");
		for (LockInfo info : client.manager.locks()) {
			Long token = info.fencingToken();
			if (token != null && info.key().equals(request.key) && !this.delivered.contains(token)) {
				// the grant is made and its handle is on its way on the callback executor
				this.faults.reached("cancel while a grant of the key awaits delivery");
			}
		}
		Objects.requireNonNull(request.future).cancel(false);
	}

	/** A handle to convert: unreleased, valid, with no conversion the application waits for. */
	private SimulatedClient.@Nullable Held convertible(SimulatedClient client) {
		List<SimulatedClient.Held> convertible = client.held.stream()
			.filter((held) -> !held.released && held.converting == null && held.handle.isValid())
			.toList();
		return convertible.isEmpty() ? null : convertible.get(this.random.nextInt(convertible.size()));
	}

	private LockMode otherMode(LockMode current) {
		LockMode mode;
		do {
			mode = MODES[this.random.nextInt(MODES.length)];
		}
		while (mode == current);
		return mode;
	}

	/** {@code convertAsync}: a wait (or a try, with a zero wait) that may be cancelled later. */
	private void convertAsync(SimulatedClient client) {
		SimulatedClient.Held held = convertible(client);
		if (held == null) {
			return;
		}
		Duration wait = (this.random.nextInt(5) == 0) ? Duration.ZERO
				: Duration.ofMillis(this.random.nextInt((int) this.config.maxWait.toMillis()));
		SimulatedClient.Conversion conversion = new SimulatedClient.Conversion(held,
				otherMode(held.handle.mode()), wait);
		trace("convertAsync c" + client.id + " " + conversion);
		held.converting = conversion;
		client.conversions.add(conversion);
		CompletableFuture<LockHandle> future = held.handle.convertAsync(conversion.to, LockOptions.waitTime(wait));
		conversion.future = future;
		future.whenComplete((handle, failure) -> {
			held.converting = null;
			if (!future.isCancelled()) {
				converted(client, conversion, failure);
			}
		});
	}

	/** {@code tryConvert}, answered at once; runs where {@link #tryAcquire} may. */
	private void tryConvert(SimulatedClient client) {
		SimulatedClient.Held held = convertible(client);
		if (held == null || !this.config.fifo || this.loop.sending(client.id)) {
			return;
		}
		SimulatedClient.Conversion conversion = new SimulatedClient.Conversion(held, otherMode(held.handle.mode()),
				Duration.ZERO);
		trace("tryConvert c" + client.id + " " + conversion);
		client.backend.synchronous(true);
		try {
			boolean converted = held.handle.tryConvert(conversion.to);
			converted(client, conversion, converted ? null : new LockAcquisitionTimeoutException(held.request.key,
					conversion.to, Duration.ZERO));
		}
		catch (RuntimeException ex) {
			converted(client, conversion, ex);
		}
		finally {
			client.backend.synchronous(false);
		}
	}

	/**
	 * A blocking {@code convert} on a thread that is already interrupted: converted at once,
	 * or withdrawn when it would wait. Runs where {@link #tryAcquire} may.
	 */
	private void interruptedConvert(SimulatedClient client) {
		SimulatedClient.Held held = convertible(client);
		if (held == null || !this.config.fifo || this.loop.sending(client.id)) {
			return;
		}
		SimulatedClient.Conversion conversion = new SimulatedClient.Conversion(held, otherMode(held.handle.mode()),
				Duration.ofMillis(1 + this.random.nextInt((int) this.config.maxWait.toMillis())));
		trace("convert on an interrupted thread c" + client.id + " " + conversion);
		client.backend.synchronous(true);
		Thread.currentThread().interrupt();
		Throwable failure = null;
		try {
			held.handle.convert(conversion.to, conversion.waitTime);
		}
		catch (InterruptedException | RuntimeException ex) {
			failure = ex;
		}
		finally {
			Thread.interrupted();
			client.backend.synchronous(false);
		}
		converted(client, conversion, failure);
	}

	private void cancelConversion(SimulatedClient client, SimulatedClient.Conversion conversion) {
		trace("cancel c" + client.id + " " + conversion);
		this.faults.reached("conversion cancelled");
		Objects.requireNonNull(conversion.future).cancel(false);
		if (conversion.future.isCancelled()) {
			leftAsItWas(client, conversion, "cancelled", null);
		}
	}

	/**
	 * A conversion ended: converted, with a new token larger than the old; or failed, with
	 * the old mode and token still held.
	 */
	private void converted(SimulatedClient client, SimulatedClient.Conversion conversion,
			@Nullable Throwable failure) {
		LockHandle handle = conversion.held.handle;
		String outcome = (failure == null) ? "converted"
				: AsyncFailures.unwrap(failure).getClass().getSimpleName();
		trace("  c" + client.id + " " + conversion + ": " + outcome + ", handle " + handle.mode() + " token "
				+ handle.fencingToken());
		String direction = conversion.to.covers(conversion.from) ? "up"
				: conversion.from.covers(conversion.to) ? "down" : "sideways";
		this.faults.reached("conversion " + direction + ": " + outcome);
		if (!handle.isValid()) {
			return;
		}
		if (failure != null) {
			Throwable cause = AsyncFailures.unwrap(failure);
			// refused, or a try that would wait: nothing was recorded, the old mode holds; any
			// other end leaves the floor (the old mode, for an up-conversion)
			boolean refused = cause instanceof IllegalStateException
					|| cause instanceof LockConversionDeadlockException
					|| cause instanceof LockAcquisitionTimeoutException && conversion.waitTime.isZero();
			// (interrupted or lost, it may not have been sent: either)
			boolean maybeUnsent = cause instanceof InterruptedException || cause instanceof LockLostException;
			leftAsItWas(client, conversion, outcome,
					refused ? conversion.from : maybeUnsent ? null : conversion.floor());
		}
		else if (handle.mode() != conversion.to || handle.fencingToken() <= conversion.fromToken) {
			record(new Violation("CONVERSION", "c" + client.id + "'s " + conversion + " succeeded but the handle shows "
					+ handle.mode() + " token " + handle.fencingToken()));
		}
	}

	/**
	 * A conversion that ended without converting left the handle with its old token, in the
	 * given mode, or (when {@code mode} is null: cancelled before or after it was sent, or
	 * ended by a loss) in its old mode or its floor.
	 */
	private void leftAsItWas(SimulatedClient client, SimulatedClient.Conversion conversion, String outcome,
			@Nullable LockMode mode) {
		LockHandle handle = conversion.held.handle;
		boolean expected = (mode != null) ? handle.mode() == mode
				: handle.mode() == conversion.from || handle.mode() == conversion.floor();
		if (handle.isValid() && (!expected || handle.fencingToken() != conversion.fromToken)) {
			record(new Violation("CONVERSION", "c" + client.id + "'s " + conversion + " ended " + outcome
					+ " but the handle shows " + handle.mode() + " token " + handle.fencingToken() + " instead of "
					+ ((mode != null) ? mode : conversion.from + " or " + conversion.floor()) + " with the old token"));
		}
	}

	// faults

	private void fault() {
		int roll = this.random.nextInt(100);
		List<SimulatedClient> live = liveClients();
		if (live.isEmpty()) {
			return;
		}
		if (roll < 45) {
			SimulatedServer.Entry lost = this.server.loseOne(this.random);
			if (lost != null) {
				trace("FAULT server loses " + lost);
				this.faults.fault("entry lost", this.loop.now());
			}
		}
		else if (roll < 55) {
			int lost = this.server.restart(this.random);
			trace("FAULT server restarts, losing " + lost + " entries");
			this.faults.fault("server restart", this.loop.now());
		}
		else if (roll < 90) {
			SimulatedClient client = live.get(this.random.nextInt(live.size()));
			if (!this.loop.isPaused(client.id)) {
				long until = this.loop.now()
						+ (long) (this.random.nextDouble() * 2 * this.config.lease.toNanos());
				trace("FAULT c" + client.id + " pauses until " + format(until));
				this.loop.pause(client.id, until);
				this.faults.fault("client paused", until);
			}
		}
		else {
			SimulatedClient client = live.get(this.random.nextInt(live.size()));
			trace("FAULT c" + client.id + " crashes");
			client.crashed = true;
			this.loop.crash(client.id);
			this.faults.fault("client crashed", this.loop.now());
			replace();
		}
	}

	private void replace() {
		if (this.nextClientId < this.config.clients + 6) {
			newClient();
		}
	}

	private void newClient() {
		int id = this.nextClientId++;
		SimulatedBackend backend = new SimulatedBackend(this, id, this.config.fifo);
		Executor callbacks = this.config.queuedCallbacks ? (task) -> this.loop.callback(id, task) : Runnable::run;
		LockManager manager = LockManagerBuilder.forBackend(backend)
			.leaseTime(this.config.lease)
			.maxRecheckInterval(MAX_RECHECK)
			.closeTimeout(Duration.ofNanos(1))
			.timeSource(this.loop.timeSource(id))
			.callbackExecutor(callbacks)
			.build();
		this.clients.add(new SimulatedClient(id, backend, manager));
		trace("new client c" + id);
	}

	// checks

	/** A handle reached the application: it must stand on a live entry granted in ticket order. */
	private void delivered(SimulatedClient client, SimulatedClient.Request request, LockHandle handle) {
		SimulatedClient.Held held = new SimulatedClient.Held(request, handle, this.loop.now());
		client.held.add(held);
		this.delivered.add(held.token);
		this.active.add(held);
		trace("c" + client.id + " got " + held + (handle.isValid() ? "" : " (already invalid)"));
		SimulatedServer.Entry entry = this.server.entry(held.token);
		if (!handle.isValid()) {
			held.ended = true;
			if (entry != null) {
				entry.delivered = true;
			}
			return;
		}
		if (this.random.nextInt(3) == 0) {
			listen(client, held);
		}
		boolean reentrant = entry != null && entry.delivered;
		if (entry == null || entry.client != client.id || !entry.key().equals(request.key)
				|| !held.mode.covers(request.mode) || entry.granted == null
				|| (!reentrant && (entry.granted != held.mode || entry.token != held.token))) {
			record(new Violation("GRANT", "c" + client.id + " got " + held + " but the server has " + entry));
			return;
		}
		entry.delivered = true;
		SimulatedServer.End end = this.server.endOf(entry);
		if (end == SimulatedServer.End.EXPIRED || end == SimulatedServer.End.REMOVED) {
			record(new Violation("LEASE", "c" + client.id + " got a valid " + held + " but its entry was " + end));
			return;
		}
		if (end != null) {
			return; // lost by a fault: the lease bound cannot hold
		}
		checkTokenOrder(held, "c" + client.id + " got " + held);
	}

	/**
	 * Registers a blocking listener on a valid handle that records its notices, and that
	 * for some handles releases the handle (later, as an application thread would).
	 */
	private void listen(SimulatedClient client, SimulatedClient.Held held) {
		long now = this.loop.now();
		held.listenedAt = now;
		held.watchedSince = now;
		for (SimulatedClient.Held other : client.held) {
			if (other.listenedAt != 0 && other.request.key.equals(held.request.key)
					&& other.handle.fencingToken() == held.handle.fencingToken()) {
				held.watchedSince = Math.min(held.watchedSince, other.watchedSince);
			}
		}
		held.releaseOnBlocking = this.random.nextInt(3) == 0;
		held.sawMode(now);
		trace("c" + client.id + " listens for what " + held + " blocks"
				+ (held.releaseOnBlocking ? ", and releases it when told" : ""));
		held.handle.onBlocking((mode) -> told(client, held, mode));
	}

	/**
	 * A blocking notice: some other entry of the key waited in its mode since the grant was
	 * watched, and the handle held a mode that conflicts with it when the engine read the
	 * queue.
	 */
	private void told(SimulatedClient client, SimulatedClient.Held held, LockMode mode) {
		long now = this.loop.now();
		held.notices.add(new SimulatedClient.Notice(now, mode));
		trace("  c" + client.id + "'s " + held + " is told that " + mode + " waits for it");
		this.faults.reached("blocking notice");
		if (held.released || !held.handle.isValid()) {
			return; // a notice on its way when the handle ended
		}
		held.sawMode(now);
		SimulatedServer.Entry own = this.server.entry(held.handle.fencingToken());
		long ownTicket = (own != null) ? own.ticket : -1;
		if (!this.server.waitedIn(held.request.key, mode, ownTicket, held.watchedSince)) {
			record(new Violation("BLOCKING-SPURIOUS", "c" + client.id + "'s " + held + " was told that " + mode
					+ " waits, but no other entry of " + held.request.key + " waited in " + mode + " since "
					+ format(held.watchedSince)));
		}
		else if (!held.heldConflicting(mode, held.listenedAt)) {
			record(new Violation("BLOCKING-SPURIOUS", "c" + client.id + "'s " + held + " was told that " + mode
					+ " waits, but held no mode that conflicts with it since " + format(held.listenedAt)));
		}
		else if (held.releaseOnBlocking) {
			this.loop.callback(client.id, () -> {
				if (!held.released) {
					trace("c" + client.id + " releases " + held + ", told that it blocks");
					this.faults.reached("holder released on a blocking notice");
					held.released = true;
					held.handle.release();
				}
			});
		}
	}

	/**
	 * A read of a queue of the client is answered: the engine decides what to tell from the
	 * mode each listening handle holds now.
	 */
	void queueRead(int client) {
		long now = this.loop.now();
		for (SimulatedClient.Held held : this.clients.get(client).held) {
			if (held.listenedAt != 0 && !held.released) {
				held.sawMode(now);
			}
		}
	}

	/** S2: a grant begins with a token larger than that of every conflicting grant that ended. */
	private void checkTokenOrder(SimulatedClient.Held held, String what) {
		long[] ended = this.maxEndedToken.get(held.request.key);
		if (ended != null) {
			for (LockMode other : held.mode.conflictingModes()) {
				if (ended[other.ordinal()] > held.token) {
					record(new Violation("S2", what + " after a conflicting " + other + " grant with the larger token "
							+ ended[other.ordinal()] + " had ended"));
					return;
				}
			}
		}
	}

	/** A grant ended: by release or loss, or by a conversion that gave it a new mode and token. */
	private void ended(SimulatedClient.Held held) {
		long[] ended = this.maxEndedToken.computeIfAbsent(held.request.key,
				(key) -> new long[LockMode.values().length]);
		int mode = held.mode.ordinal();
		ended[mode] = Math.max(ended[mode], held.token);
	}

	private void record(Violation violation) {
		if (this.pendingViolation == null) {
			this.pendingViolation = violation;
		}
	}

	private void check() {
		Violation recorded = this.pendingViolation;
		if (recorded != null) {
			throw recorded;
		}
		String conflict = this.server.conflictingGrants();
		if (conflict != null) {
			throw new Violation("S1-SERVER", "the server grants conflicting modes to " + conflict);
		}
		checkHandles();
	}

	/**
	 * S1 and the lease bound over every handle that is still valid, and S2 for the grants
	 * that conversions made.
	 */
	private void checkHandles() {
		Map<String, List<SimulatedClient.Held>> validByKey = new HashMap<>();
		for (SimulatedClient.Held held : this.active) {
			if (held.ended) {
				continue;
			}
			if (!held.handle.isValid()) {
				held.ended = true;
				ended(held);
				continue;
			}
			if (held.handle.fencingToken() != held.token || held.handle.mode() != held.mode) {
				grantChanged(held);
				Violation recorded = this.pendingViolation;
				if (recorded != null) {
					throw recorded;
				}
			}
			SimulatedServer.Entry entry = this.server.entry(held.token);
			SimulatedServer.End end = (entry != null) ? this.server.endOf(entry) : null;
			if (end == SimulatedServer.End.EXPIRED || end == SimulatedServer.End.REMOVED) {
				throw new Violation("LEASE", held + " is still valid but its entry was " + end + " at "
						+ format(entry.endedAt));
			}
			if (end == null) {
				validByKey.computeIfAbsent(held.request.key, (key) -> new ArrayList<>()).add(held);
			}
		}
		this.active.removeIf((held) -> held.ended);
		for (List<SimulatedClient.Held> valid : validByKey.values()) {
			for (int i = 0; i < valid.size(); i++) {
				for (int j = i + 1; j < valid.size(); j++) {
					SimulatedClient.Held a = valid.get(i);
					SimulatedClient.Held b = valid.get(j);
					// re-entrant holds of one grant share its token
					if (a.token != b.token && !usedMode(a).isCompatibleWith(usedMode(b))) {
						throw new Violation("S1", "two conflicting valid handles on live entries: " + a + " and " + b);
					}
				}
			}
		}
	}

	/**
	 * The mode a holder may use: while a conversion it asked for is under way, only its floor
	 * (the server may have granted it and let others in already).
	 */
	private static LockMode usedMode(SimulatedClient.Held held) {
		SimulatedClient.Conversion conversion = held.converting;
		return (conversion != null) ? conversion.floor() : held.mode;
	}

	/**
	 * The handle's grant has a new mode and token: the old grant ended, and the new one must
	 * have a larger token than it and than every conflicting grant that ended before.
	 */
	private void grantChanged(SimulatedClient.Held held) {
		long before = held.token;
		LockMode mode = held.mode;
		ended(held);
		boolean revert = held.handle.fencingToken() == held.previousToken && held.handle.mode() == held.previousMode;
		held.previousToken = before;
		held.previousMode = mode;
		held.token = held.handle.fencingToken();
		held.mode = held.handle.mode();
		this.delivered.add(held.token);
		String what = held + " converted from " + mode + " token " + before;
		if (revert) {
			// a conversion granted but given up (its answer came after a cancel): the holder
			// goes back to the grant it had; the one in between ended
			trace("  " + what + ", back to the grant it had before");
			this.faults.reached("handle back to its old grant after a conversion it gave up");
			return;
		}
		trace("  " + what);
		if (held.token == before && mode.covers(held.mode)) {
			return; // a down-conversion under way: the same grant, narrowed, until the new token comes
		}
		if (held.token <= before) {
			record(new Violation("S2", what + " but its new token is not larger"));
			return;
		}
		SimulatedServer.Entry entry = this.server.entry(held.token);
		if (entry == null || this.server.entry(before) != entry) {
			record(new Violation("GRANT", what + " to a token the server drew for " + entry));
			return;
		}
		SimulatedServer.End end = this.server.endOf(entry);
		if (end == SimulatedServer.End.EXPIRED || end == SimulatedServer.End.REMOVED) {
			record(new Violation("LEASE", what + " but its entry was " + end));
			return;
		}
		if (end == null) {
			checkTokenOrder(held, what); // (an entry lost by a fault: the next renewal tells the holder)
		}
	}

	/**
	 * Every live entry that nothing conflicting precedes must be granted (a handle reached
	 * the application) or withdrawn within the bound, once faults have stopped.
	 */
	private void checkLiveness() {
		long now = this.loop.now();
		Map<Long, Long> since = new HashMap<>();
		for (SimulatedServer.Entry entry : this.server.grantableEntries((id) -> this.clients.get(id).crashed)) {
			long from = this.grantableSince.getOrDefault(entry.ticket, now);
			since.put(entry.ticket, from);
			if (entry.granted != null && entry.delivered && entry.converting == null) {
				continue;
			}
			SimulatedClient owner = this.clients.get(entry.client);
			// close() waits for no removal here (its timeout is a nanosecond) and stops
			// retrying failed ones: the entries of a closed manager end by their leases
			long deadline = owner.closed ? owner.closedAt + entry.leaseNanos + this.livenessBound
					: Math.max(from, this.faults.quietFrom()) + this.livenessBound;
			if (now - deadline > 0) {
				throw new Violation(livenessKind(entry), entry + " could be granted since " + format(from)
						+ " (faults ended by " + format(this.faults.quietFrom()) + ") but is neither granted nor withdrawn at "
						+ format(now) + diagnose(entry));
			}
		}
		this.grantableSince.clear();
		this.grantableSince.putAll(since);
	}

	/**
	 * A valid, listening handle whose mode an entry of its key, waiting as a request or a
	 * conversion, conflicts with for longer than the blocking bound once faults have
	 * stopped, must have been told of that mode since the entry waited (or since it
	 * listened, if later).
	 */
	private void checkBlocking() {
		long now = this.loop.now();
		Map<String, Long> since = new HashMap<>();
		for (SimulatedClient client : liveClients()) {
			for (SimulatedClient.Held held : client.held) {
				if (held.listenedAt == 0 || held.released || held.ended || !held.handle.isValid()) {
					continue;
				}
				SimulatedServer.Entry own = this.server.entry(held.handle.fencingToken());
				if (own == null || !this.server.isLive(own)) {
					continue; // lost by a fault: the next renewal tells the holder
				}
				LockMode mode = held.handle.mode();
				for (SimulatedServer.Entry waiting : this.server.waitingOn(own.key(), own.ticket)) {
					SimulatedServer.Waiting episode = Objects.requireNonNull(waiting.waiting);
					if (episode.mode.isCompatibleWith(mode)) {
						continue;
					}
					String pair = "q" + held.request.number + " t" + waiting.ticket + " " + episode.since;
					long from = this.blockedSince.getOrDefault(pair, now);
					since.put(pair, from);
					long deadline = Math.max(from, this.faults.quietFrom()) + this.blockingBound;
					if (now - deadline > 0 && !held.told(episode.mode, Math.max(episode.since, held.listenedAt))) {
						throw new Violation("BLOCKING-MISSED", "c" + client.id + "'s " + held + " in " + mode
								+ " blocks " + waiting + ", waiting since " + format(episode.since)
								+ ", but its listener (since " + format(held.listenedAt) + ") was not told of "
								+ episode.mode + " by " + format(now) + "; notices " + held.notices);
					}
				}
			}
		}
		this.blockedSince.clear();
		this.blockedSince.putAll(since);
	}

	private String livenessKind(SimulatedServer.Entry entry) {
		SimulatedClient owner = this.clients.get(entry.client);
		for (LockInfo info : owner.manager.locks()) {
			if (info.key().equals(entry.key()) && info.fencingToken() != null
					&& this.server.entry(info.fencingToken()) == entry) {
				return "LIVENESS-LEAKED-GRANT";
			}
		}
		for (LockInfo info : owner.manager.locks()) {
			if (info.key().equals(entry.key()) && info.state() == LockInfo.State.WAITING) {
				return "LIVENESS-STRANDED-WAITER";
			}
		}
		return "LIVENESS-ORPHAN-ENTRY";
	}

	private String diagnose(SimulatedServer.Entry entry) {
		SimulatedClient owner = this.clients.get(entry.client);
		String state = owner.crashed ? "crashed" : owner.closed ? "closed" : "live";
		return "; its client c" + owner.id + " is " + state + " and lists " + owner.manager.locks();
	}

	// bookkeeping

	int register(AcquireRequest request) {
		int number = this.requestNumbers.size() + 1;
		this.requestNumbers.put(request.ownerId(), number);
		return number;
	}

	int requestNumber(AcquireRequest request) {
		Integer number = this.requestNumbers.get(request.ownerId());
		if (number == null) {
			throw new Violation("GRANT", "a removal for a request that was never enqueued: " + request);
		}
		return number;
	}

	private List<SimulatedClient> liveClients() {
		return this.clients.stream().filter(SimulatedClient::isLive).toList();
	}

	void trace(String text) {
		Line line = new Line(this.loop.now(), text);
		this.traceDigest = (this.traceDigest * 31 + line.at) * 31 + text.hashCode();
		if (this.traceOut != null) {
			this.traceOut.accept(line.toString());
		}
		this.trace.addLast(line);
		if (this.trace.size() > TRACE_LINES) {
			this.trace.removeFirst();
		}
	}

	private Result result(@Nullable Violation violation) {
		List<String> lines = new ArrayList<>();
		if (violation != null) {
			this.trace.forEach((line) -> lines.add(line.toString()));
		}
		return new Result(this.seed, violation, lines, this.traceDigest, this.steps, this.faults.reached());
	}

	static String format(long nanos) {
		long millis = (nanos - EventLoop.START) / 1_000_000;
		long fraction = Math.abs(millis % 1000);
		return (millis / 1000) + "." + ((fraction < 10) ? "00" : (fraction < 100) ? "0" : "") + fraction + "s";
	}

	/** A line of the trace; formatted only when it is shown. */
	private record Line(long at, String text) {

		@Override
		public String toString() {
			return format(this.at) + " " + this.text;
		}

	}

	/** The shape of a run, drawn from its seed. */
	record Config(int clients, int keys, Duration lease, Duration altLease, Duration maxWait, Duration maxDelay,
			Duration timerLag, boolean fifo, boolean queuedCallbacks, boolean signalEnqueues, double dropRate,
			double faultRate, int actions) {

		static Config random(Random random) {
			double[] faultRates = { 0, 0.004, 0.01, 0.03 };
			double[] dropRates = { 0, 0.005, 0.02, 0.06 };
			return new Config(2 + random.nextInt(3), 1 + random.nextInt(3), Duration.ofSeconds(3),
					Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMillis(5 + random.nextInt(95)),
					Duration.ofMillis(random.nextInt(20)), random.nextBoolean(), random.nextBoolean(),
					random.nextBoolean(), dropRates[random.nextInt(dropRates.length)], faultRates[random.nextInt(faultRates.length)],
					40 + random.nextInt(120));
		}

		Duration maxLease() {
			return (this.lease.compareTo(this.altLease) >= 0) ? this.lease : this.altLease;
		}

	}

	/** The outcome of a run. */
	record Result(long seed, @Nullable Violation violation, List<String> trace, long digest, int steps,
			Map<String, Integer> reached) {

		boolean failed() {
			return this.violation != null;
		}

	}

	/** A broken invariant; its kind names the check. */
	static final class Violation extends RuntimeException {

		final String kind;

		Violation(String kind, String message) {
			this(kind, message, null);
		}

		Violation(String kind, String message, @Nullable Throwable cause) {
			super(kind + ": " + message, cause, false, cause != null);
			this.kind = kind;
		}

	}

}
