package dev.dlock.backend.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import dev.dlock.LockBackendException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import dev.dlock.support.TimeSource;
import io.lettuce.core.ScriptOutputType;
import org.jspecify.annotations.Nullable;

/**
 * A session on Redis: entries carry their own expiry (server time) in the resource's
 * queue, so the session has no server state of its own. Each operation is one script
 * call, conversions included; a renewal is one script call per resource, all pipelined.
 * Reading a queue for blocking notifications is one script call that writes nothing.
 */
final class RedisLockSession implements LockSession {

	private static final int GRANTED = 0;

	private static final int WAITING = 1;

	private static final int REJECTED = 2;

	private static final int GONE = 3;

	private static final int DEADLOCK = 4;

	/** How many resources one renewal script call covers at most. */
	private static final int RESOURCES_PER_RENEWAL = 100;

	/** The conflict set of each mode as the scripts take it, derived from {@link LockMode}. */
	private static final Map<LockMode, String> CONFLICTS = new EnumMap<>(LockMode.class);

	static {
		for (LockMode mode : LockMode.values()) {
			if (mode.name().length() != 2) {
				throw new IllegalStateException("The Redis scripts expect two-letter mode names, not " + mode);
			}
			CONFLICTS.put(mode,
					mode.conflictingModes().stream().map(LockMode::name).sorted().collect(Collectors.joining(",")));
		}
	}

	/**
	 * Every mode's conflict set, {@code NL=;CR=EX;...}, for the grants announced on removal
	 * and the decisions on a queue with conversions.
	 */
	private static final String MATRIX = CONFLICTS.entrySet()
		.stream()
		.map((entry) -> entry.getKey().name() + "=" + entry.getValue())
		.collect(Collectors.joining(";"));

	/**
	 * The enqueue script's arguments, in its order (see {@code enqueue.lua}).
	 * @param member the queue member: mode and owner id
	 * @param mode the requested mode
	 * @param leaseMicros the lease in microseconds
	 * @param waits whether the request waits when it cannot be granted at once
	 * @param channel the change channel
	 * @param resource the resource's id
	 * @param retentionMillis the value retention in milliseconds
	 * @return the arguments
	 */
	static String[] enqueueArguments(String member, LockMode mode, String leaseMicros, boolean waits, String channel,
			String resource, String retentionMillis) {
		return new String[] { member, CONFLICTS.get(mode), leaseMicros, waits ? "1" : "0", channel, resource, MATRIX,
				retentionMillis };
	}

	private final RedisKeyspace keyspace;

	private final ChangeNotifier notifier;

	private final Duration leaseTime;

	private final TimeSource time;

	/** The lease in microseconds, rounded up: the scripts keep it to the microsecond. */
	private final String leaseMicros;

	private final QueueWatchers queueWatchers;

	/**
	 * @param keyspace the keys, channel and scripts of the backend's locks
	 * @param notifier the backend's change counts and waiters, fed from the channel
	 * @param time the timer that bounds a renewal round
	 */
	RedisLockSession(RedisKeyspace keyspace, ChangeNotifier notifier, Duration leaseTime, TimeSource time) {
		this.keyspace = keyspace;
		this.notifier = notifier;
		this.leaseTime = leaseTime;
		this.time = time;
		this.leaseMicros = Long.toString(Math.max(1, (leaseTime.toNanos() + 999) / 1000));
		this.queueWatchers = new QueueWatchers(keyspace, notifier,
				Long.toString(Math.max(1, (leaseTime.toNanos() + 999_999) / 1_000_000)));
	}

	@Override
	public Duration leaseTime() {
		return this.leaseTime;
	}

	@Override
	public CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		RedisResource resource = this.keyspace.resource(request.key());
		String member = RedisQueueEntry.member(request);
		long observed = this.notifier.changes(resource.id());
		String[] args = enqueueArguments(member, request.mode(), this.leaseMicros, request.waitIfBusy(),
				this.keyspace.channel(), resource.id(), this.keyspace.valueRetentionMillis());
		return this.keyspace.scripts()
			.run(LuaScript.ENQUEUE, ScriptOutputType.MULTI, resource.keys(), args, request.key(),
					(List<Object> reply) -> {
						int status = status(reply);
						if (status == REJECTED) {
							return EnqueueResult.rejected();
						}
						RedisQueueEntry entry = new RedisQueueEntry(request, this.keyspace.keyPrefix(), number(reply, 1));
						return new EnqueueResult(entry, state(entry, status, reply, observed));
					});
	}

	@Override
	public CompletableFuture<QueueState> poll(QueueEntry queueEntry) {
		RedisQueueEntry entry = own(queueEntry);
		if (entry.isKnownGranted()) {
			return CompletableFuture.completedFuture(QueueState.GRANTED);
		}
		RedisResource resource = entry.resource();
		long observed = this.notifier.changes(resource.id());
		String[] args = { entry.member(), CONFLICTS.get(entry.request().mode()), this.keyspace.channel(),
				resource.id(), MATRIX, this.keyspace.valueRetentionMillis() };
		return this.keyspace.scripts()
			.run(LuaScript.POLL, ScriptOutputType.MULTI, resource.keys(), args, entry.request().key(),
					(List<Object> reply) -> state(entry, status(reply), reply, observed));
	}

	@Override
	public CompletableFuture<QueueState> convert(QueueEntry queueEntry, LockMode mode, boolean waitIfBusy) {
		RedisQueueEntry entry = own(queueEntry);
		RedisResource resource = entry.resource();
		long observed = this.notifier.changes(resource.id());
		entry.converting(true);
		entry.asked(mode);
		String[] args = { entry.member(), mode.name(), waitIfBusy ? "1" : "0", MATRIX, this.keyspace.channel(),
				resource.id(), this.keyspace.valueRetentionMillis() };
		return this.keyspace.scripts()
			.run(LuaScript.CONVERT, ScriptOutputType.MULTI, resource.keys(), args, entry.request().key(),
					(List<Object> reply) -> state(entry, status(reply), reply, observed));
	}

	@Override
	public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry queueEntry, LockMode heldMode) {
		RedisQueueEntry entry = own(queueEntry);
		entry.converting(false);
		RedisResource resource = entry.resource();
		String[] args = { entry.member(), heldMode.name(), MATRIX, this.keyspace.channel(), resource.id(),
				this.keyspace.valueRetentionMillis() };
		return this.keyspace.scripts()
			.run(LuaScript.CANCEL, ScriptOutputType.VALUE, resource.keys(), args, entry.request().key(),
					(String mode) -> mode.isEmpty() ? null : LockMode.valueOf(mode));
	}

	@Override
	public Subscription watch(QueueEntry entry, Runnable onChange) {
		RedisQueueEntry own = own(entry);
		return this.notifier.watch(own, own.resource().id(), onChange);
	}

	@Override
	public CompletableFuture<List<Queued>> queue(QueueEntry queueEntry) {
		RedisQueueEntry entry = own(queueEntry);
		String[] args = { entry.member(), MATRIX };
		return this.keyspace.scripts()
			.run(LuaScript.QUEUE, ScriptOutputType.MULTI, entry.resource().keys(), args, entry.request().key(),
					RedisLockSession::queued);
	}

	/**
	 * Watches the queue of a granted entry's lock: marks the entry on the server, so that
	 * requests and conversions that start to wait there publish; locks nobody watches carry
	 * no mark, and their waiters publish nothing.
	 */
	@Override
	public Subscription watchQueue(QueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		return this.queueWatchers.watch(own(entry), onChange, onWaiting);
	}

	/**
	 * Reads the value block in one script call, which also marks it invalid when the entry
	 * last granted in {@code PW} or {@code EX} is gone without a removal (see
	 * {@code common.lua}).
	 */
	@Override
	public CompletableFuture<@Nullable LockValue> readValue(QueueEntry queueEntry) {
		RedisQueueEntry entry = own(queueEntry);
		String[] args = { entry.member(), this.keyspace.valueRetentionMillis() };
		return this.keyspace.scripts()
			.run(LuaScript.READ_VALUE, ScriptOutputType.MULTI, entry.resource().keys(), args, entry.request().key(),
					RedisLockSession::value);
	}

	/**
	 * Writes the value block in one script call, if the entry is live and marked as its
	 * lock's writer: the mark is set by the script that grants an entry {@code PW} or
	 * {@code EX} and cleared when it leaves them.
	 */
	@Override
	public CompletableFuture<Boolean> writeValue(QueueEntry queueEntry, LockValue value) {
		RedisQueueEntry entry = own(queueEntry);
		String[] args = { entry.member(), Base64.getEncoder().encodeToString(value.bytes()),
				Long.toString(value.version()), this.keyspace.valueRetentionMillis(), value.valid() ? "1" : "0" };
		return this.keyspace.scripts()
			.run(LuaScript.WRITE_VALUE, ScriptOutputType.INTEGER, entry.resource().keys(), args,
					entry.request().key(), (Long written) -> written == 1);
	}

	@Override
	public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		this.queueWatchers.renew();
		if (entries.isEmpty()) {
			return CompletableFuture.completedFuture(Set.of());
		}
		Set<QueueEntry> missing = ConcurrentHashMap.newKeySet();
		List<CompletableFuture<Void>> calls = new ArrayList<>();
		for (List<ResourceEntries> batch : batches(entries)) {
			calls.add(renewBatch(batch, missing));
		}
		CompletableFuture<Set<QueueEntry>> result = new CompletableFuture<>();
		// a reply that comes later than a lease is worthless; let the engine start a new round
		this.time
			.failAfter(CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)), this.leaseTime,
					"Renewing " + entries.size() + " lock entries")
			.whenComplete((done, failure) -> {
				if (failure != null) {
					result.completeExceptionally(
							ScriptExecutor.toLockException(failure, "Renewing " + entries.size() + " lock entries"));
				}
				else {
					result.complete(Set.copyOf(missing));
				}
			});
		return result;
	}

	/**
	 * Splits a session's entries into script calls: the entries of one resource stay
	 * together, resources of one call share a cluster slot (any resources on a standalone
	 * server), and a call carries a bounded number of resources, so that no script blocks
	 * the server for long.
	 */
	private Collection<List<ResourceEntries>> batches(Collection<QueueEntry> entries) {
		Map<String, ResourceEntries> byResource = new LinkedHashMap<>();
		for (QueueEntry entry : entries) {
			RedisQueueEntry own = own(entry);
			RedisResource resource = own.resource();
			byResource.computeIfAbsent(resource.id(), (id) -> new ResourceEntries(resource, new ArrayList<>()))
				.entries()
				.add(own);
		}
		Map<Integer, List<ResourceEntries>> open = new HashMap<>();
		List<List<ResourceEntries>> batches = new ArrayList<>();
		for (ResourceEntries group : byResource.values()) {
			int slot = this.keyspace.slot(group.resource());
			List<ResourceEntries> batch = open.computeIfAbsent(slot, (s) -> {
				List<ResourceEntries> created = new ArrayList<>();
				batches.add(created);
				return created;
			});
			batch.add(group);
			if (batch.size() == RESOURCES_PER_RENEWAL) {
				open.remove(slot);
			}
		}
		return batches;
	}

	private CompletableFuture<Void> renewBatch(List<ResourceEntries> batch, Set<QueueEntry> missing) {
		List<RedisQueueEntry> members = new ArrayList<>();
		String[] keys = new String[4 * batch.size()];
		List<String> args = new ArrayList<>();
		args.add(this.leaseMicros);
		args.add(this.keyspace.channel());
		args.add(this.keyspace.valueRetentionMillis());
		for (int i = 0; i < batch.size(); i++) {
			ResourceEntries group = batch.get(i);
			RedisResource resource = group.resource();
			String[] resourceKeys = resource.keys();
			System.arraycopy(resourceKeys, 0, keys, 4 * i, 3);
			keys[4 * i + 3] = resourceKeys[4];
			args.add(resource.id());
			args.add(group.entries().stream().anyMatch(RedisQueueEntry::mayWrite) ? "1" : "0");
			args.add(Integer.toString(group.entries().size()));
			for (RedisQueueEntry entry : group.entries()) {
				args.add(entry.member());
				members.add(entry);
			}
		}
		return this.keyspace.scripts()
			.run(LuaScript.RENEW, ScriptOutputType.MULTI, keys, args.toArray(String[]::new),
					members.get(0).request().key(), (List<Object> positions) -> {
						for (Object position : positions) {
							missing.add(members.get(((Number) position).intValue() - 1));
						}
						return null;
					});
	}

	@Override
	public CompletableFuture<Void> remove(AcquireRequest request) {
		RedisResource resource = this.keyspace.resource(request.key());
		String[] args = { RedisQueueEntry.member(request), this.keyspace.channel(), resource.id(), MATRIX,
				this.keyspace.valueRetentionMillis() };
		return this.keyspace.scripts()
			.run(LuaScript.REMOVE, ScriptOutputType.INTEGER, resource.keys(), args, request.key(),
					(Long existed) -> null);
	}

	@Override
	public void close() {
		// entries end with their leases; the session holds nothing on the server
	}

	/**
	 * The state a script replied, recorded in the entry: a waiting entry (or conversion)
	 * remembers what it waits for; anything else ends a conversion under way.
	 */
	private QueueState state(RedisQueueEntry entry, int status, List<Object> reply, long observed) {
		if (status == WAITING) {
			entry.observed(number(reply, 2), observed);
			// poll just after the blocker's lease ran out, in case nobody announces it
			return QueueState.waiting(Duration.ofMillis(number(reply, 3) + 1));
		}
		entry.converting(false);
		switch (status) {
			case GRANTED -> {
				entry.observed(RedisQueueEntry.NO_BLOCKER, observed);
				long token = (reply.size() > 2) ? number(reply, 2) : QueueState.TICKET_TOKEN;
				return (token != QueueState.TICKET_TOKEN) ? QueueState.granted(token) : QueueState.GRANTED;
			}
			case REJECTED -> {
				return QueueState.REJECTED;
			}
			case GONE -> {
				return QueueState.GONE;
			}
			case DEADLOCK -> {
				return QueueState.DEADLOCK;
			}
			default -> throw new LockBackendException("Unexpected reply status " + status + " from Redis", null);
		}
	}

	private static RedisQueueEntry own(QueueEntry entry) {
		if (entry instanceof RedisQueueEntry redisEntry) {
			return redisEntry;
		}
		throw new IllegalArgumentException("Not an entry of the Redis backend: " + entry);
	}

	/** The entries of a queue script's reply: four fields each, see {@code queue.lua}. */
	private static List<Queued> queued(List<Object> reply) {
		List<Queued> queue = new ArrayList<>(reply.size() / 4);
		for (int i = 0; i + 3 < reply.size(); i += 4) {
			queue.add(new Queued(number(reply, i), mode(reply.get(i + 1)), mode(reply.get(i + 2)),
					number(reply, i + 3)));
		}
		return queue;
	}

	/** The value of a read-value script's reply: {@code null} when the entry is gone. */
	private static @Nullable LockValue value(List<Object> reply) {
		if (reply.isEmpty()) {
			return null;
		}
		if (reply.size() != 3) {
			throw new LockBackendException("Unexpected reply from Redis: " + reply, null);
		}
		byte[] bytes = Base64.getDecoder().decode(String.valueOf(reply.get(0)));
		return new LockValue(bytes, Long.parseLong(String.valueOf(reply.get(1))), number(reply, 2) == 1);
	}

	private static @Nullable LockMode mode(Object field) {
		String name = String.valueOf(field);
		return name.isEmpty() ? null : LockMode.valueOf(name);
	}

	private static int status(List<Object> reply) {
		return (int) number(reply, 0);
	}

	private static long number(List<Object> reply, int index) {
		if (reply.size() <= index || !(reply.get(index) instanceof Number number)) {
			throw new LockBackendException("Unexpected reply from Redis: " + reply, null);
		}
		return number.longValue();
	}

	/**
	 * The entries of one resource in a renewal round, with the resource's keys derived once
	 * for the round.
	 */
	private record ResourceEntries(RedisResource resource, List<RedisQueueEntry> entries) {

	}

}
