package dev.dlock.backend.nats;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.dlock.LockBackendException;
import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import dev.dlock.support.KeyCodec;
import dev.dlock.support.LockKeyTable;
import dev.dlock.support.ResourceChanges;
import dev.dlock.support.TimeSource;
import dev.dlock.support.WaitingHandOver;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsJetStreamMetaData;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one watcher of a bucket in this backend, and the local copy of the bucket's queues
 * that it keeps.
 * <p>
 * An ordered push consumer reads the whole bucket from its first message, then every new
 * message, in stream order (the client re-creates it after a gap or missed heartbeats, from
 * the last sequence it delivered).
 * <p>
 * The watcher also checks itself once a second while anything depends on it, or after a
 * reconnect, until the server confirms that nothing is pending: a consumer that is gone,
 * or that is behind and neither delivers nor lets the copy move for {@link #STALL_LIMIT},
 * is replaced by a new one from the last applied sequence, and decisions ask the stream
 * leader at once until it exists. The consumer asked about is the one named in the last
 * delivered message: after a re-creation whose reply was lost, the client keeps the old
 * name.
 * <p>
 * Entries leave the copy only through a delete marker (a real removal by the entry's
 * owner), a removal the stream leader confirmed ({@link #tombstone}), or when they are two
 * max ages older than the newest server timestamp seen. Max-age expiry is silent on nats-server 2.9, so the copy can hold entries
 * the server has dropped: it errs towards waiting, never towards granting.
 * <p>
 * Waiters are signalled for a change that may grant them; holders that watch their queue
 * for blocking notifications, from counts of their own, for a new request or a conversion
 * asked for. A renewal signals nobody.
 * <p>
 * The copy is <em>complete as of sequence S</em> once it applied a message with sequence
 * S that the server sent with nothing pending behind it: every message the stream held up
 * to then has been applied, including the renewal that moved an entry past a position the
 * consumer had not reached yet. Decisions about an entry with ticket T wait until the copy
 * is complete as of some S &gt;= T; that copy contains the entry and every earlier entry
 * still alive.
 */
final class BucketMirror implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(BucketMirror.class);

	/** How often the server says it is alive when nothing changes; a third of the alarm. */
	private static final Duration IDLE_HEARTBEAT = Duration.ofSeconds(1);

	private static final String OPERATION_HEADER = "KV-Operation";

	/**
	 * How long after the copy applied what a waiter needs it waits for a message with
	 * nothing pending before it asks the server for the consumer's pending count.
	 */
	private static final Duration PROBE_DELAY = Duration.ofMillis(10);

	/** How often the watcher checks itself; see {@link #check()}. */
	static final Duration CHECK_PERIOD = Duration.ofSeconds(1);

	/**
	 * How long the consumer may have messages pending without delivering any before the
	 * watcher re-creates it.
	 */
	static final Duration STALL_LIMIT = Duration.ofSeconds(3);

	/** JetStream's API error: no such consumer. */
	private static final int CONSUMER_NOT_FOUND = 10014;

	private final NatsCalls calls;

	private final String stream;

	private final String subjectPrefix;

	private final Duration maxAge;

	private final Object lock = new Object();

	/**
	 * The copy's entries by lock key, the readable one that the entries' values and the
	 * requests hold anyway, not the encoded first token of the KV key, which would be one
	 * more string per lock held anywhere; each resource is its own node of the table, as one
	 * lives per lock held anywhere. Guarded by lock.
	 */
	private final LockKeyTable<MirroredResource> resources = new LockKeyTable<>();

	private final NavigableMap<Long, List<CompletableFuture<Boolean>>> waiters = new TreeMap<>();

	// guarded by lock
	private final Map<String, Sighting> sightings = new HashMap<>();

	// counts move under lock, with the copy; listeners are signalled outside it
	private final ResourceChanges<Runnable> changes;

	/**
	 * Holders that watch their queue for blocking notifications: signalled for a new
	 * request, which never unblocks a waiter, and not for most changes that may, so they
	 * have counts of their own.
	 */
	private final ResourceChanges<Runnable> queueChanges;

	/** Holders that are handed what starts to wait, with the signal. */
	private final WaitingHandOver waitingHandOver = new WaitingHandOver();

	private long lastSeq;

	private long completeSeq;

	private long anchorSeq;

	private boolean probing;

	private int generation;

	private @Nullable Instant newestStamp;

	private long newestStampAt;

	private @Nullable Dispatcher dispatcher;

	private @Nullable JetStreamSubscription subscription;

	private @Nullable String consumerName;

	private boolean restarting;

	private boolean broken;

	private boolean suspect;

	private long stalledSince;

	private long stalledDelivered;

	private long stalledApplied;

	private long reconnects;

	private boolean closed;

	private TimeSource.@Nullable Cancellable sweep;

	private TimeSource.@Nullable Cancellable checker;

	BucketMirror(NatsCalls calls, String stream, String subjectPrefix, Duration maxAge) {
		this.calls = calls;
		this.stream = stream;
		this.subjectPrefix = subjectPrefix;
		this.maxAge = maxAge;
		this.changes = new ResourceChanges<>(calls::run);
		this.queueChanges = new ResourceChanges<>(calls::run);
	}

	/** Starts the watcher. */
	void start() throws IOException, JetStreamApiException {
		Dispatcher created = this.calls.connection().createDispatcher();
		int current;
		synchronized (this.lock) {
			this.dispatcher = created;
			current = this.generation;
		}
		JetStreamSubscription started = subscribe(created, current, 1);
		synchronized (this.lock) {
			this.subscription = started;
			this.reconnects = this.calls.connection().getStatistics().getReconnects();
		}
		scheduleSweep();
		scheduleCheck();
	}

	private JetStreamSubscription subscribe(Dispatcher dispatcher, int generation, long from)
			throws IOException, JetStreamApiException {
		ConsumerConfiguration.Builder builder = ConsumerConfiguration.builder()
			.ackPolicy(AckPolicy.None)
			.idleHeartbeat(IDLE_HEARTBEAT);
		if (from > 1) {
			builder.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(from);
		}
		else {
			builder.deliverPolicy(DeliverPolicy.All);
		}
		ConsumerConfiguration consumer = builder.build();
		PushSubscribeOptions options = PushSubscribeOptions.builder()
			.stream(this.stream)
			.ordered(true)
			.configuration(consumer)
			.build();
		return this.calls.connection()
			.jetStream()
			.subscribe(null, dispatcher, (message) -> onMessage(generation, message), false, options);
	}

	private void onMessage(int generation, Message message) {
		if (!message.isJetStream()) {
			return;
		}
		NatsJetStreamMetaData meta = message.metaData();
		String kvKey = kvKey(message.getSubject());
		boolean put = isPut(message.getHeaders());
		EntryValue value = put ? EntryValue.decode(message.getData()) : null;
		boolean tried = StoredEntry.isTry(message.getHeaders());
		List<Runnable> signals = new ArrayList<>();
		List<CompletableFuture<Boolean>> completed = new ArrayList<>();
		synchronized (this.lock) {
			long seq = meta.streamSequence();
			if (generation != this.generation || this.closed || seq <= this.lastSeq) {
				return;
			}
			this.lastSeq = seq;
			// the consumer that delivers: jnats re-creates it after a gap or missed
			// heartbeats, and keeps the old name if the create's reply was lost
			this.consumerName = meta.getConsumer();
			this.broken = false;
			Instant stamp = meta.timestamp().toInstant();
			observe(stamp);
			if (kvKey != null) {
				apply(kvKey, seq, stamp, value, tried, signals);
			}
			if (meta.pendingCount() == 0) {
				completeAsOf(seq, completed);
			}
			else if (this.anchorSeq > 0 && seq >= this.anchorSeq) {
				completeAsOf(this.anchorSeq, completed);
			}
		}
		// waiters' signals and decisions waiting for the copy go on on this thread: both are
		// short and non-blocking, and hand their results over to the timer thread
		signals.forEach(Runnable::run);
		completed.forEach((future) -> future.complete(true));
	}

	/**
	 * Records that the copy is complete as of {@code seq} and collects the waiters that
	 * this satisfies.
	 */
	// guarded by lock
	private void completeAsOf(long seq, List<CompletableFuture<Boolean>> completed) {
		this.suspect = false;
		this.stalledSince = 0;
		if (seq > this.completeSeq) {
			this.completeSeq = seq;
		}
		if (this.anchorSeq <= this.completeSeq) {
			this.anchorSeq = 0;
		}
		NavigableMap<Long, List<CompletableFuture<Boolean>>> due = this.waiters.headMap(this.completeSeq, true);
		due.values().forEach(completed::addAll);
		due.clear();
	}

	/**
	 * Asks the server for the consumer's pending count when the copy has applied the
	 * messages a waiter needs but no message came with nothing pending behind it.
	 * nats-server 2.9 can over-count a push consumer's pending messages by one for good
	 * (after a message it had not delivered yet was replaced); the consumer info request
	 * counts afresh.
	 */
	private void probePending(long seq) {
		synchronized (this.lock) {
			if (this.completeSeq >= seq || this.lastSeq < seq) {
				return;
			}
		}
		probe();
	}

	/**
	 * Asks the server about the consumer that delivers. If nothing is pending, the copy is
	 * complete as of the last delivered sequence once it has applied it. If the consumer
	 * is gone (a restarted server), or has had messages pending without delivering any for
	 * {@link #STALL_LIMIT}, the watcher re-creates it from the last applied sequence.
	 */
	private void probe() {
		String consumer;
		int probedGeneration;
		synchronized (this.lock) {
			if (this.closed || this.probing || this.restarting || this.subscription == null) {
				return;
			}
			this.probing = true;
			consumer = (this.consumerName != null) ? this.consumerName : this.subscription.getConsumerName();
			probedGeneration = this.generation;
		}
		CompletableFuture<Message> reply;
		try {
			reply = this.calls.api("CONSUMER.INFO." + this.stream + "." + consumer, "");
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		reply.whenComplete((message, failure) -> {
			List<CompletableFuture<Boolean>> completed = new ArrayList<>();
			boolean restart = false;
			synchronized (this.lock) {
				this.probing = false;
				if (failure == null && probedGeneration == this.generation && !this.closed) {
					restart = judge(new ConsumerInfo(message), completed);
				}
			}
			completed.forEach((future) -> future.complete(true));
			if (restart) {
				logger.warn("The watcher of NATS stream {} lost its consumer or stalls; re-creating it from the "
						+ "last sequence it applied", this.stream);
				this.calls.runBlocking(() -> restart(false));
			}
		});
	}

	/**
	 * Reads a consumer info reply; tells whether to re-create the consumer: it is gone, or
	 * the copy is behind it (messages pending, or delivered but not applied) and neither
	 * moved for {@link #STALL_LIMIT}.
	 */
	// guarded by lock
	private boolean judge(ConsumerInfo info, List<CompletableFuture<Boolean>> completed) {
		if (info.hasError()) {
			if (info.getApiErrorCode() != CONSUMER_NOT_FOUND) {
				return false;
			}
			this.broken = true;
			return true;
		}
		long delivered = info.getDelivered().getStreamSequence();
		if (info.getNumPending() == 0) {
			if (this.lastSeq >= delivered) {
				completeAsOf(delivered, completed);
				return false;
			}
			if (delivered > this.anchorSeq) {
				this.anchorSeq = delivered;
			}
		}
		long now = this.calls.time().nanoTime();
		if (this.stalledSince == 0 || delivered != this.stalledDelivered || this.lastSeq != this.stalledApplied) {
			this.stalledSince = now;
			this.stalledDelivered = delivered;
			this.stalledApplied = this.lastSeq;
			return false;
		}
		if (now - this.stalledSince < STALL_LIMIT.toNanos()) {
			return false;
		}
		this.broken = true;
		return true;
	}

	private void scheduleCheck() {
		TimeSource.Cancellable next = this.calls.time().schedule(CHECK_PERIOD, this::check);
		synchronized (this.lock) {
			if (this.closed) {
				next.cancel();
			}
			else {
				this.checker = next;
			}
		}
	}

	/**
	 * The watcher's check of itself, once per {@link #CHECK_PERIOD}: re-creates the
	 * consumer if that failed before, and otherwise asks about it while anything depends
	 * on the watcher (a waiter, a holder watching its queue, a decision waiting for the
	 * copy) or it is in doubt (the connection reconnected, as after a server restart that
	 * lost the consumer, or a decision gave up waiting) until the server confirms that
	 * nothing is pending.
	 */
	private void check() {
		boolean restart;
		boolean probe;
		synchronized (this.lock) {
			if (this.closed) {
				return;
			}
			long reconnected = this.calls.connection().getStatistics().getReconnects();
			if (reconnected != this.reconnects) {
				this.reconnects = reconnected;
				this.suspect = true;
			}
			restart = this.broken && !this.restarting;
			probe = this.suspect || this.changes.isWatched() || this.queueChanges.isWatched()
					|| !this.waiters.isEmpty();
		}
		if (restart) {
			this.calls.runBlocking(() -> restart(false));
		}
		else if (probe) {
			probe();
		}
		scheduleCheck();
	}

	/** The KV key of a message subject, if it has the shape of a queue entry. */
	private @Nullable String kvKey(String subject) {
		if (!subject.startsWith(this.subjectPrefix)) {
			return null;
		}
		String key = subject.substring(this.subjectPrefix.length());
		int dot = key.indexOf('.');
		if (dot <= 0 || dot == key.length() - 1 || key.indexOf('.', dot + 1) >= 0) {
			return null;
		}
		return key;
	}

	static boolean isPut(@Nullable Headers headers) {
		String operation = (headers != null) ? headers.getFirst(OPERATION_HEADER) : null;
		return operation == null || "PUT".equals(operation);
	}

	// guarded by lock
	private void apply(String kvKey, long seq, Instant stamp, @Nullable EntryValue value, boolean tried,
			List<Runnable> signals) {
		Sighting sighting = this.sightings.get(kvKey);
		if (sighting != null && sighting.seq == 0) {
			sighting.seq = seq;
		}
		int dot = kvKey.indexOf('.');
		// this process's own entry shares the lock key its request keeps anyway
		String lockKey = (sighting != null) ? sighting.lockKey : lockKeyOf(kvKey.substring(0, dot));
		if (lockKey == null) {
			// not an entry's key as dlock writes them: no lock's queue holds it
			return;
		}
		String owner = kvKey.substring(dot + 1);
		MirroredResource resource = resource(lockKey);
		if (value != null) {
			if (resource == null) {
				// one instance of the lock key for the map, the record and the entries' values
				String shared = (sighting == null && value.key().equals(lockKey)) ? value.key() : lockKey;
				resource = new MirroredResource(shared, seq);
				this.resources.add(resource);
			}
			String key = resource.lockKey();
			EntryValue stored = value.at(seq, value.key().equals(key) ? key : value.key());
			if (sighting != null) {
				stored = sighting.shared(stored);
			}
			StoredEntry current = new StoredEntry(owner, stored, seq, stamp, tried);
			StoredEntry previous = resource.put(current);
			if (isChange(previous, stored)) {
				signals.addAll(this.changes.changed(key));
			}
			if (!tried && asksToWait(previous, stored)) {
				List<Runnable> watchers = this.queueChanges.changed(key);
				if (this.completeSeq > 0 && (stored.isImplicit() || stored.requested() != null)) {
					// not while the copy reads the bucket from the start: an old entry is no news.
					// A holder handed the entry reads the queue after it has told its listeners,
					// so it is not signalled as well (a read first would only delay the telling)
					signals.add(() -> this.waitingHandOver.handOverOrSignal(key, current.queued(), watchers));
				}
				else {
					signals.addAll(watchers);
				}
			}
		}
		else {
			// counted even for an entry the copy never held: a conversion decided on the copy
			// must know that something left the resource since it was written
			signals.addAll(this.changes.changed(lockKey));
			if (resource != null) {
				resource.removedUpTo = Math.max(resource.removedUpTo, seq);
				if (resource.remove(owner) != null) {
					dropIfEmpty(resource);
				}
			}
		}
	}

	/**
	 * The lock key that the first token of an entry's KV key encodes, or {@code null} if it
	 * is not the encoding of one ({@link KeyCodec#encode}), which no entry dlock writes has.
	 */
	static @Nullable String lockKeyOf(String resourceToken) {
		String lockKey;
		try {
			lockKey = KeyCodec.decode(resourceToken);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		return KeyCodec.encode(lockKey).equals(resourceToken) ? lockKey : null;
	}

	/**
	 * Whether a message changes what a decision may find: a conversion asked for, granted,
	 * withdrawn or a down-conversion, a grant written down, a flag. A renewal is none, nor
	 * is a new request (it blocks, it never unblocks).
	 */
	private static boolean isChange(@Nullable StoredEntry previous, EntryValue stored) {
		if (previous == null) {
			return !stored.isImplicit() || stored.flagged();
		}
		EntryValue before = previous.value();
		return before.granted() != stored.granted() || before.requested() != stored.requested()
				|| before.order() != stored.order() || before.token() != stored.token()
				|| before.flagged() != stored.flagged();
	}

	/**
	 * Whether a message may make an entry wait that did not: a new request, or a conversion
	 * asked for. Holders watching their queue are told of these; a try's are taken back at
	 * once if they would wait, and are not.
	 */
	private static boolean asksToWait(@Nullable StoredEntry previous, EntryValue stored) {
		if (previous == null) {
			return true;
		}
		EntryValue before = previous.value();
		return stored.requested() != null
				&& (before.requested() != stored.requested() || before.order() != stored.order());
	}

	// guarded by lock
	private @Nullable MirroredResource resource(String lockKey) {
		for (MirroredResource resource = this.resources.chain(lockKey); resource != null;
				resource = resource.nextInTable()) {
			if (resource.lockKey().equals(lockKey)) {
				return resource;
			}
		}
		return null;
	}

	// guarded by lock
	private void dropIfEmpty(MirroredResource resource) {
		if (resource.isEmpty()) {
			this.resources.remove(resource);
		}
	}

	// guarded by lock
	private void observe(Instant stamp) {
		if (this.newestStamp == null || stamp.isAfter(this.newestStamp)) {
			this.newestStamp = stamp;
			this.newestStampAt = this.calls.time().nanoTime();
		}
	}

	/**
	 * How long an entry written at {@code written} still lives on the server: its server
	 * timestamp plus the max age, against the newest server timestamp seen, advanced by the
	 * monotonic time since it was seen. Never compares with the local wall clock.
	 */
	Duration remainingLease(Instant written) {
		synchronized (this.lock) {
			if (this.newestStamp == null) {
				return this.maxAge;
			}
			Instant serverNow = this.newestStamp.plusNanos(this.calls.time().nanoTime() - this.newestStampAt);
			return Duration.between(serverNow, written.plus(this.maxAge));
		}
	}

	/**
	 * Completes with {@code true} once the copy is complete as of {@code seq}, or with
	 * {@code false} when the watcher stalls (applies nothing for {@code stall}) or the wait
	 * reaches {@code limit}. A watcher that keeps applying messages is only behind a burst
	 * of writes and is worth waiting for. Completes on the watcher's or the timer's thread.
	 */
	CompletableFuture<Boolean> awaitComplete(long seq, Duration stall, Duration limit) {
		CompletableFuture<Boolean> done = new CompletableFuture<>();
		long progress;
		synchronized (this.lock) {
			if (this.closed) {
				return CompletableFuture.failedFuture(new LockBackendException("The NATS lock backend is closed", null));
			}
			if (this.completeSeq >= seq) {
				return CompletableFuture.completedFuture(true);
			}
			if (this.broken) {
				// being re-created: the stream leader answers at once
				this.suspect = true;
				return CompletableFuture.completedFuture(false);
			}
			this.waiters.computeIfAbsent(seq, (key) -> new ArrayList<>(1)).add(done);
			progress = this.lastSeq;
		}
		long giveUpAt = this.calls.time().nanoTime() + limit.toNanos();
		TimeSource.Cancellable probe = this.calls.time().schedule(PROBE_DELAY, () -> probePending(seq));
		done.whenComplete((complete, failure) -> probe.cancel());
		checkProgress(seq, done, progress, stall, giveUpAt);
		return done;
	}

	private void checkProgress(long seq, CompletableFuture<Boolean> done, long progress, Duration stall,
			long giveUpAt) {
		TimeSource.Cancellable timer = this.calls.time().schedule(stall, () -> {
			boolean waitOn;
			long applied;
			synchronized (this.lock) {
				if (done.isDone()) {
					return;
				}
				applied = this.lastSeq;
				waitOn = applied != progress && this.calls.time().nanoTime() - giveUpAt < 0;
				if (!waitOn) {
					this.suspect = true;
					List<CompletableFuture<Boolean>> futures = this.waiters.get(seq);
					if (futures != null) {
						futures.remove(done);
						if (futures.isEmpty()) {
							this.waiters.remove(seq);
						}
					}
				}
			}
			if (waitOn) {
				probePending(seq);
				checkProgress(seq, done, applied, stall, giveUpAt);
			}
			else {
				done.complete(false);
			}
		});
		done.whenComplete((complete, failure) -> timer.cancel());
	}

	/** The stream sequence of the last message the watcher applied. */
	long position() {
		synchronized (this.lock) {
			return this.lastSeq;
		}
	}

	/**
	 * The entries of the entry's resource in the copy, and the resource's change stamp for
	 * {@link #watch}. The caller made sure the copy is complete as of the entry's last write,
	 * or uses it only if its next write directly follows it
	 * ({@link QueueView#isFollowedDirectlyBy}).
	 */
	QueueView snapshot(NatsQueueEntry entry) {
		synchronized (this.lock) {
			entry.observedChanges(this.changes.count(entry.lockKey()));
			return snapshot(entry.lockKey());
		}
	}

	/**
	 * The entries of a resource in the copy, without recording a change stamp: a read of
	 * a holder's queue must not hide a change from the decision of a waiting conversion of
	 * the same entry.
	 */
	QueueView snapshot(String lockKey) {
		synchronized (this.lock) {
			MirroredResource resource = resource(lockKey);
			// exact when nothing is pending behind the last message applied and no expiry
			// confirmed by the stream leader is ahead of it
			boolean exact = this.completeSeq == this.lastSeq && !this.broken
					&& (resource == null || resource.fence <= this.lastSeq);
			long exactAsOf = exact ? this.lastSeq : -1;
			return (resource != null)
					? new QueueView(resource.entryList(), resource.removedUpTo, this.maxAge, true, exactAsOf)
					: new QueueView(List.of(), this.lastSeq, this.maxAge, true, exactAsOf);
		}
	}

	/**
	 * The stream sequence up to which a decision about the resource must wait for the copy:
	 * after an expiry the stream leader confirmed, a decision must see every write made
	 * before it, as the stream leader would (see {@link #tombstone}).
	 */
	long fence(String lockKey) {
		synchronized (this.lock) {
			MirroredResource resource = resource(lockKey);
			return (resource != null) ? resource.fence : 0;
		}
	}

	/** The change stamp of a resource, for {@link #watch}. */
	long changes(String lockKey) {
		synchronized (this.lock) {
			return this.changes.count(lockKey);
		}
	}

	/**
	 * Removes an entry the stream leader no longer has (it expired silently), unless the
	 * copy has seen a newer revision of it meanwhile. The copy without it is no longer a
	 * prefix of the stream: a conversion written before the expiry may be missing from it.
	 * So decisions about the resource wait until the copy is complete as of
	 * {@code streamEnd}, the stream's last sequence read after the confirmation.
	 */
	void tombstone(String lockKey, StoredEntry gone, long streamEnd) {
		List<Runnable> signals = new ArrayList<>();
		synchronized (this.lock) {
			MirroredResource resource = resource(lockKey);
			StoredEntry current = (resource != null) ? resource.get(gone.owner()) : null;
			if (resource != null && current != null && current.revision() <= gone.revision()) {
				resource.remove(gone.owner());
				resource.fence = Math.max(resource.fence, streamEnd);
				resource.removedUpTo = Math.max(resource.removedUpTo, streamEnd);
				signals.addAll(this.changes.changed(lockKey));
				dropIfEmpty(resource);
			}
		}
		signals.forEach(this.calls::run);
	}

	/**
	 * Records a newer revision of an entry that the stream leader showed before the copy.
	 * As after {@link #tombstone}, decisions about the resource then wait until the copy is
	 * complete as of that revision.
	 */
	void refresh(String lockKey, StoredEntry newer) {
		List<Runnable> signals = new ArrayList<>();
		synchronized (this.lock) {
			MirroredResource resource = resource(lockKey);
			StoredEntry current = (resource != null) ? resource.get(newer.owner()) : null;
			if (resource != null && current != null && current.revision() < newer.revision()) {
				resource.put(newer);
				resource.fence = Math.max(resource.fence, newer.revision());
				if (isChange(current, newer.value())) {
					signals.addAll(this.changes.changed(lockKey));
				}
			}
			observe(newer.written());
		}
		signals.forEach(this.calls::run);
	}

	/**
	 * Registers a waiter for changes of its resource. Signals at once (on the timer thread) if
	 * the resource changed since the last decision about the entry.
	 */
	Subscription watch(NatsQueueEntry entry, Runnable onChange) {
		return this.changes.watch(entry.lockKey(), entry.observedChanges(), onChange);
	}

	/**
	 * Registers a holder's listener for new requests of its resource and conversions asked
	 * for on it, but not a try's ({@link StoredEntry#TRY_HEADER}), and hands it the request
	 * or conversion that a signal is for, as a read of the queue would show it waiting,
	 * while the copy has been complete once since it last read the bucket from the start.
	 * It takes effect at once: what the copy applied before is in {@link #snapshot(String)}.
	 */
	Subscription watchQueue(String lockKey, Runnable onChange, Consumer<Queued> onWaiting) {
		Subscription handOvers = this.waitingHandOver.register(lockKey, onWaiting);
		Subscription signals = this.queueChanges.watch(lockKey, this.queueChanges.count(lockKey), onChange);
		return () -> {
			signals.close();
			handOvers.close();
		};
	}

	/**
	 * Notes that this backend is about to create an entry, to tell later whether it was
	 * seen; the copy keeps the lock key string given for it.
	 * @param kvKey the entry's KV key
	 * @param lockKey its lock key, as the request keeps it
	 */
	void expect(String kvKey, String lockKey) {
		synchronized (this.lock) {
			this.sightings.put(kvKey, new Sighting(lockKey));
		}
	}

	/**
	 * Whether the watcher delivered a message of an expected entry; forgets the expectation.
	 */
	boolean sighted(String kvKey) {
		synchronized (this.lock) {
			Sighting sighting = this.sightings.remove(kvKey);
			return sighting != null && sighting.seq != 0;
		}
	}

	/**
	 * The value this backend's create of an expected entry wrote, as the one instance the
	 * entry and the copy share: the copy's, if it applied that message already, else the
	 * one given, which the copy then takes when it does.
	 * @param kvKey the entry's KV key
	 * @param written the value of the create's message, at its revision
	 * @return the instance to keep
	 */
	EntryValue written(String kvKey, EntryValue written) {
		synchronized (this.lock) {
			Sighting sighting = this.sightings.get(kvKey);
			return (sighting != null) ? sighting.shared(written) : written;
		}
	}

	void forget(String kvKey) {
		synchronized (this.lock) {
			this.sightings.remove(kvKey);
		}
	}

	/**
	 * Throws the copy away and reads the bucket again from the start: the stream went back
	 * (a server lost acknowledged messages and reuses sequences), so what the copy holds
	 * can no longer be matched against new sequences. Waiters keep waiting for the new copy.
	 */
	void reload() {
		logger.warn("The NATS stream {} went back to an earlier sequence; reading the lock bucket again", this.stream);
		restart(true);
	}

	/**
	 * Replaces the consumer with a new one: from the first message after the last one
	 * applied, or from the start with an empty copy. Decisions ask the stream leader until
	 * the new consumer exists; if creating it fails, the next check tries again. Blocks for
	 * up to a request: runs on the worker thread.
	 */
	private void restart(boolean fromScratch) {
		Dispatcher current;
		JetStreamSubscription old;
		int next;
		long from;
		List<Runnable> signals = new ArrayList<>();
		synchronized (this.lock) {
			if (this.closed || this.restarting || this.dispatcher == null || (!fromScratch && !this.broken)) {
				return;
			}
			this.restarting = true;
			this.broken = true;
			next = ++this.generation;
			if (fromScratch) {
				this.lastSeq = 0;
				this.completeSeq = 0;
				this.resources.clear();
				signals.addAll(this.changes.changedAll());
			}
			this.anchorSeq = 0;
			this.consumerName = null;
			this.stalledSince = 0;
			from = this.lastSeq + 1;
			current = this.dispatcher;
			old = this.subscription;
			this.subscription = null;
		}
		boolean started = false;
		try {
			if (old != null) {
				unsubscribe(current, old);
			}
			JetStreamSubscription subscribed = subscribe(current, next, from);
			synchronized (this.lock) {
				this.subscription = subscribed;
				this.broken = false;
			}
			started = true;
		}
		catch (IOException | JetStreamApiException | RuntimeException ex) {
			logger.warn("Re-creating the watcher of NATS stream {} failed; decisions ask the stream leader, and the "
					+ "watcher tries again in {}: {}", this.stream, CHECK_PERIOD, ex.toString());
		}
		finally {
			synchronized (this.lock) {
				this.restarting = false;
			}
			signals.forEach(this.calls::run);
		}
		if (started) {
			logger.info("The watcher of NATS stream {} reads on from sequence {}", this.stream, from);
		}
	}

	private static void unsubscribe(Dispatcher dispatcher, JetStreamSubscription subscription) {
		try {
			dispatcher.unsubscribe(subscription);
		}
		catch (RuntimeException ex) {
			logger.debug("Ending the old NATS watcher failed: {}", ex.toString());
		}
	}

	private void scheduleSweep() {
		Duration period = (this.maxAge.compareTo(Duration.ofSeconds(1)) > 0) ? this.maxAge : Duration.ofSeconds(1);
		TimeSource.Cancellable next = this.calls.time().schedule(period, this::sweep);
		synchronized (this.lock) {
			if (this.closed) {
				next.cancel();
			}
			else {
				this.sweep = next;
			}
		}
	}

	/**
	 * Forgets entries two max ages older than the newest server timestamp: the server has
	 * surely dropped them, and the copy would otherwise keep every silently expired entry.
	 */
	private void sweep() {
		List<Runnable> signals = new ArrayList<>();
		synchronized (this.lock) {
			if (this.closed) {
				return;
			}
			if (this.newestStamp != null) {
				Instant horizon = this.newestStamp.minus(this.maxAge.multipliedBy(2));
				for (MirroredResource resource : this.resources.members()) {
					if (resource.removeWrittenBefore(horizon)) {
						resource.removedUpTo = Math.max(resource.removedUpTo, this.lastSeq);
						signals.addAll(this.changes.changed(resource.lockKey()));
					}
					dropIfEmpty(resource);
				}
			}
		}
		signals.forEach(this.calls::run);
		scheduleSweep();
	}

	@Override
	public void close() {
		Dispatcher current;
		List<CompletableFuture<Boolean>> pending = new ArrayList<>();
		synchronized (this.lock) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			if (this.sweep != null) {
				this.sweep.cancel();
			}
			if (this.checker != null) {
				this.checker.cancel();
			}
			this.waiters.values().forEach(pending::addAll);
			this.waiters.clear();
			current = this.dispatcher;
		}
		LockBackendException closing = new LockBackendException("The NATS lock backend is closed", null);
		pending.forEach((future) -> future.completeExceptionally(closing));
		if (current != null) {
			try {
				this.calls.connection().closeDispatcher(current);
			}
			catch (RuntimeException ex) {
				logger.debug("Closing the NATS watcher failed: {}", ex.toString());
			}
		}
	}

	/**
	 * An entry this backend is about to create: the lock key its request keeps, the
	 * sequence of its first message the watcher delivered (0 until then), and the value of
	 * its create as the entry or the copy, whichever had it first, holds it. Guarded by the
	 * mirror's lock.
	 */
	private static final class Sighting {

		final String lockKey;

		long seq;

		private @Nullable EntryValue value;

		Sighting(String lockKey) {
			this.lockKey = lockKey;
		}

		/** The create's value as the instance held already, if equal; else this one, from now. */
		EntryValue shared(EntryValue created) {
			EntryValue held = this.value;
			if (created.equals(held)) {
				return held;
			}
			this.value = created;
			return created;
		}

	}

}
