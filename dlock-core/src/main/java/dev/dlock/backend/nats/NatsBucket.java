package dev.dlock.backend.nats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.dlock.LockBackendException;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.KeyCodec;
import dev.dlock.spi.Queued;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.nats.client.api.Subject;
import io.nats.client.impl.Headers;
import io.nats.client.support.ServerVersion;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock queues in one JetStream key-value bucket: the atomic operations behind every
 * session of a backend.
 * <p>
 * An entry is the KV key {@code <encoded key>.<owner id>}; its create revision is the
 * ticket. Writes are JetStream publishes with an expected last subject sequence (create:
 * 0, a rewrite: the entry's last revision), sent without waiting for each other. An entry
 * lives as long as its session's heartbeat in the {@link LiveBucket}; a waiter deletes an
 * entry whose session's heartbeat the stream leader no longer has. Decisions
 * come from the {@link BucketMirror} once it is complete as of the entry's ticket, and
 * from the stream leader otherwise: never from a direct get, which any lagging replica may
 * answer. A conversion, a flag or a grant written down is one revision-checked write of
 * one entry; {@link QueueView} holds the rules, and {@code docs/backends/nats.md} argues
 * why decisions of different processes cannot disagree.
 */
final class NatsBucket implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(NatsBucket.class);

	/**
	 * How long a decision waits for a watcher that applies nothing before it asks the
	 * stream leader instead.
	 */
	static final Duration WATCHER_STALL = Duration.ofMillis(200);

	/**
	 * How long a decision waits at most for a watcher behind a burst of writes: asking the
	 * leader costs a scan of the whole bucket on nats-server 2.9.
	 */
	static final Duration WATCHER_WAIT_LIMIT = Duration.ofSeconds(2);

	/** Added to a blocker's remaining lease: the server drops expired messages on a timer. */
	static final Duration EXPIRY_SLACK = Duration.ofMillis(25);

	/** How soon to look again at a blocker whose lease ran out but is still stored. */
	static final Duration EXPIRY_RETRY = Duration.ofMillis(50);

	private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+");

	private static final byte[] EMPTY = new byte[0];

	/** The first nats-server that serialises revision-checked writes in a replicated stream. */
	static final String SERIALISED_REPLICATED_WRITES = "2.9.21";

	/** How often a revision-checked write is tried again on top of a newer message. */
	private static final int MAX_REWRITES = 5;

	/** What {@link #rewrite} answers when the entry no longer exists. */
	private static final long GONE = -1;

	/** What {@link #rewrite} answers when there was nothing to write. */
	private static final long UNCHANGED = 0;

	private final NatsCalls calls;

	private final JetStream jetStream;

	private final String name;

	private final String stream;

	private final String subjectPrefix;

	private final Duration maxAge;

	private final BucketMirror mirror;

	private final LiveBucket live;

	private NatsBucket(NatsCalls calls, JetStream jetStream, String name, Duration maxAge, LiveBucket live) {
		this.calls = calls;
		this.jetStream = jetStream;
		this.name = name;
		this.stream = "KV_" + name;
		this.subjectPrefix = "$KV." + name + ".";
		this.maxAge = maxAge;
		this.mirror = new BucketMirror(calls, this.stream, this.subjectPrefix, maxAge);
		this.live = live;
	}

	/**
	 * How long an entry lives after its last write unless it is written again: a day, or
	 * four lease times if that is longer. A session rewrites each of its entries once half
	 * of that has passed since its last write (100,000 held locks: about 2.3 writes a
	 * second), and it bounds how long the entries of a crashed session stay on a key that
	 * nobody asks for. It must be at least twice the lease time, so that an entry that is
	 * not due when a renewal round starts lives a lease beyond it.
	 */
	static Duration entryMaxAge(Duration leaseTime) {
		Duration day = Duration.ofDays(1);
		Duration leases = leaseTime.multipliedBy(4);
		return (leases.compareTo(day) > 0) ? leases : day;
	}

	/**
	 * Opens the bucket, creating it if missing (history 1, max age {@code maxAge}), and
	 * starts its watcher.
	 * @param maxAge the entries' max age ({@link #entryMaxAge})
	 * @throws LockBackendException if the bucket exists with another max age, or the server
	 * fails
	 */
	static NatsBucket open(NatsCalls calls, String name, int replicas, StorageType storage, Duration leaseTime,
			Duration maxAge, LiveBucket live) {
		Connection connection = calls.connection();
		try {
			KeyValueManagement management = connection.keyValueManagement();
			KeyValueStatus status = status(management, name);
			if (status == null) {
				status = create(management, name, "dlock lock queues", maxAge, replicas, storage);
			}
			requireMaxAge(name, status.getTtl(), leaseTime, maxAge, live.name());
			requireSerialisedWrites(name, status.getReplicas(), connection.getServerInfo().getVersion());
			if (status.getMaxHistoryPerKey() != 1) {
				logger.warn("The NATS bucket '{}' keeps {} revisions per key; dlock needs only 1", name,
						status.getMaxHistoryPerKey());
			}
			if (connection.getServerInfo().isSameOrNewerThanVersion("2.11.0")) {
				logger.debug("nats-server {} has per-message TTLs; dlock does not use them yet",
						connection.getServerInfo().getVersion());
			}
			NatsBucket bucket = new NatsBucket(calls, connection.jetStream(), name, maxAge, live);
			bucket.mirror.start();
			return bucket;
		}
		catch (IOException | JetStreamApiException ex) {
			throw new LockBackendException("Opening the NATS bucket '" + name + "' failed: " + ex, ex);
		}
	}

	/**
	 * Refuses a bucket whose max age is not the entries' max age. A bucket whose max age is
	 * the lease time was made by a dlock version that renewed every entry on its own, and
	 * whose processes would let the entries of this version expire after one lease: the two
	 * schemes must never share a bucket.
	 * @throws LockBackendException for another max age
	 */
	static void requireMaxAge(String name, Duration actual, Duration leaseTime, Duration maxAge, String liveName) {
		if (actual.equals(maxAge)) {
			return;
		}
		if (actual.equals(leaseTime)) {
			throw new LockBackendException("The NATS bucket '" + name + "' has a max age of " + actual + ", the "
					+ "lease time: it was made by a dlock version that renews every lock entry on its own. This "
					+ "version renews one heartbeat per session (in the bucket '" + liveName + "') and keeps entries "
					+ "for " + maxAge + ", and the two must never share a bucket. Stop every process of the old "
					+ "version, then delete the bucket ('nats kv del " + name + "'; it holds only leases) or give this "
					+ "version another bucket name", null);
		}
		throw new LockBackendException("The NATS bucket '" + name + "' has a max age of " + actual + ", but dlock "
				+ "keeps lock entries for " + maxAge + " (with a lease time of " + leaseTime + "). Use another bucket "
				+ "name, or delete the bucket when no process uses it", null);
	}

	/**
	 * Refuses a replicated bucket on a server that does not serialise revision-checked
	 * writes in a replicated stream: before nats-server 2.9.21, two publishes that expect
	 * the same last subject sequence can both be stored (nats-server issue #4320), and the
	 * queue protocol rests on one of them failing.
	 * @throws LockBackendException for a bucket of more than one replica on such a server
	 */
	static void requireSerialisedWrites(String name, int replicas, String serverVersion) {
		if (replicas > 1 && ServerVersion.isOlder(serverVersion, SERIALISED_REPLICATED_WRITES)) {
			throw new LockBackendException("The NATS bucket '" + name + "' has " + replicas + " replicas, but "
					+ "nats-server " + serverVersion + " does not serialise revision-checked writes in a replicated "
					+ "stream: two writes that expect the same revision can both succeed (nats-server issue #4320, "
					+ "fixed in " + SERIALISED_REPLICATED_WRITES + "), which would let two holders in. Upgrade the "
					+ "servers to " + SERIALISED_REPLICATED_WRITES + " or later, or use a bucket of one replica", null);
		}
	}

	static @Nullable KeyValueStatus status(KeyValueManagement management, String name)
			throws IOException, JetStreamApiException {
		try {
			return management.getStatus(name);
		}
		catch (JetStreamApiException ex) {
			if (ex.getApiErrorCode() == NatsCalls.STREAM_NOT_FOUND) {
				return null;
			}
			throw ex;
		}
	}

	/**
	 * Creates a bucket of history 1; if another process created it first, perhaps with
	 * another configuration, its status.
	 */
	static KeyValueStatus create(KeyValueManagement management, String name, String description, Duration maxAge,
			int replicas, StorageType storage) throws IOException, JetStreamApiException {
		KeyValueConfiguration configuration = KeyValueConfiguration.builder()
			.name(name)
			.description(description)
			.maxHistoryPerKey(1)
			.ttl(maxAge)
			.replicas(replicas)
			.storageType(storage)
			.build();
		try {
			KeyValueStatus created = management.create(configuration);
			logger.info("Created the NATS bucket '{}' (max age {}, {} replicas, {} storage)", name, maxAge, replicas,
					storage);
			return created;
		}
		catch (JetStreamApiException ex) {
			KeyValueStatus status = status(management, name);
			if (status == null) {
				throw ex;
			}
			return status;
		}
	}

	String name() {
		return this.name;
	}

	String stream() {
		return this.stream;
	}

	Duration maxAge() {
		return this.maxAge;
	}

	/**
	 * Creates a request's entry under the session's heartbeat, and decides it.
	 * @param validBound when the engine surely counts the entry valid no longer, unless it
	 * is renewed
	 */
	CompletableFuture<EnqueueResult> enqueue(AcquireRequest request, SessionHeartbeat heartbeat, long validBound) {
		String kvKey = kvKey(request);
		this.mirror.expect(kvKey, request.key());
		EntryValue value = EntryValue.request(request.mode(), heartbeat.id(), request.key());
		long sentAt = this.calls.time().nanoTime();
		Headers headers = request.waitIfBusy() ? null : StoredEntry.tryHeaders();
		return this.calls.handOver(create(kvKey, headers, value.encode()).thenCompose((ack) -> {
			NatsQueueEntry entry = new NatsQueueEntry(request, this, ack.getSeqno(),
					this.mirror.written(kvKey, value.at(ack.getSeqno())), heartbeat, sentAt, validBound);
			return decide(entry, true).thenCompose((state) -> {
				if (state.status() == QueueState.Status.GRANTED || request.waitIfBusy()) {
					return CompletableFuture.completedFuture(new EnqueueResult(entry, state));
				}
				// a try that would wait leaves nothing behind
				return delete(kvKey).thenApply((deleted) -> EnqueueResult.rejected());
			});
		}).whenComplete((result, failure) -> this.mirror.forget(kvKey)));
	}

	/**
	 * Creates an entry: a publish that expects the subject to have no message. If the owner
	 * id was used before, its delete marker is still there and the create goes on top of it,
	 * as jnats's {@code KeyValue.create} does.
	 */
	private CompletableFuture<PublishAck> create(String kvKey, @Nullable Headers headers, byte[] body) {
		return publish(kvKey, headers, body, 0).handle((ack, failure) -> {
			if (failure == null) {
				return CompletableFuture.completedFuture(ack);
			}
			if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE) {
				return CompletableFuture.<PublishAck>failedFuture(failure);
			}
			return lastMessage(kvKey).thenCompose((last) -> {
				if (last != null && last.entry() != null) {
					throw new LockBackendException("A lock entry with this owner id already exists", null);
				}
				return publish(kvKey, headers, body, (last != null) ? last.revision() : 0);
			});
		}).thenCompose(Function.identity());
	}

	/** Decides a waiting request, or a pending conversion. */
	CompletableFuture<QueueState> poll(NatsQueueEntry entry) {
		EntryValue value = entry.value();
		CompletableFuture<QueueState> decision = (value.requested() != null)
				? view(entry, value.order(), false).thenCompose((view) -> decideConversion(entry, view, null))
				: decide(entry, false);
		return this.calls.handOver(decision);
	}

	Subscription watch(NatsQueueEntry entry, Runnable onChange) {
		return this.mirror.watch(entry, onChange);
	}

	/**
	 * The queue of a granted entry's resource from the watcher's copy, once it holds the
	 * entry's last known write (or the watcher lags): no request to the server. Entries
	 * whose max age ran out by the server's timestamps, or whose session is surely dead
	 * ({@link LiveBucket#mayLive}), do not show. Empty when the copy does not hold the entry.
	 */
	CompletableFuture<List<Queued>> queue(NatsQueueEntry entry) {
		return this.calls.handOver(this.mirror.awaitComplete(entry.revision(), WATCHER_STALL, WATCHER_WAIT_LIMIT)
			.thenApply((complete) -> {
				QueueView view = this.mirror.snapshot(entry.lockKey());
				StoredEntry self = view.find(entry.request());
				if (self == null || self.ticket() != entry.ticket()) {
					return List.of();
				}
				return view.queued(this::mayLive);
			}));
	}

	/** Whether a stored entry may still live, by the copy's server time and the heartbeats seen. */
	private boolean mayLive(StoredEntry stored) {
		Duration remaining = this.mirror.remainingLease(stored.written());
		if (remaining.compareTo(Duration.ZERO) <= 0) {
			return false;
		}
		String session = stored.value().session();
		return session == null || this.live.mayLive(session, this.maxAge.minus(remaining));
	}

	/**
	 * Signals when a request joins the entry's resource or an entry of it asks to convert,
	 * and hands over what starts to wait.
	 */
	Subscription watchQueue(NatsQueueEntry entry, Runnable onChange, Consumer<Queued> onWaiting) {
		return this.mirror.watchQueue(entry.lockKey(), onChange, onWaiting);
	}

	CompletableFuture<Void> remove(AcquireRequest request) {
		return this.calls.handOver(delete(kvKey(request)).thenApply((ack) -> null));
	}

	/**
	 * Reads the value block of a granted entry's key from the stream leader, then the
	 * entry: {@code null} when the entry is gone. The entry, found after the value was read,
	 * was there when it was read (an entry never comes back), so the value is one its grant
	 * may see. A writer whose grant this one follows wrote its value before its entry left
	 * (the engine writes, then removes or converts), and this grant was decided after that
	 * removal or conversion reached the stream: the leader has the value by then, whichever
	 * copy or leader the decision was made on.
	 */
	CompletableFuture<@Nullable LockValue> readValue(NatsQueueEntry entry) {
		return this.calls.handOver(lastValue(entry.resource())
			.thenCompose((read) -> holds(entry).thenApply((held) -> held ? read.block().value() : null)));
	}

	/**
	 * Writes the value block of a granted entry's key, if the entry is still there and
	 * granted in {@code PW} or {@code EX}. Three steps, as nothing spans two keys on
	 * nats-server 2.9: the stream leader's value (its revision), then the entry, then a
	 * write of the value that expects that revision; a mismatch starts again.
	 * <p>
	 * Why a lost holder never writes: no other holder can be granted {@code PW} or
	 * {@code EX} while the entry is there, so between the first two steps only invalid marks
	 * change the value. Whoever deletes an entry that may hold {@code PW} or {@code EX}
	 * without a release (a waiter that found its session dead, the session's own clean-up
	 * of entries the engine gave up, a waiter after a silent expiry) first marks the value
	 * invalid naming the entry's ticket ({@link #invalidate}). A write whose first step
	 * finds such a mark for its own entry stops; one that read the value before the mark
	 * finds the revision moved and reads again. An entry the owner removed is gone at the
	 * second step, which is after the first: a retry after the removal writes nothing, and
	 * a retry before it writes the same value, or nothing when it is stored already.
	 */
	CompletableFuture<Boolean> writeValue(NatsQueueEntry entry, LockValue value) {
		// an invalid value is the engine's mark for a writer it lost: it names the entry, as a waiter's would
		ValueBlock block = value.valid() ? ValueBlock.written(value) : new ValueBlock(value, entry.ticket());
		return this.calls.handOver(writeValue(entry, block, 1));
	}

	private CompletableFuture<Boolean> writeValue(NatsQueueEntry entry, ValueBlock block, int attempt) {
		return lastValue(entry.resource()).thenCompose((read) -> {
			if (read.block().lostTicket() == entry.ticket()) {
				return CompletableFuture.completedFuture(false); // its loss is being recorded
			}
			return holds(entry).thenCompose((held) -> {
				if (!held || !isWriting(entry.value().heldMode())) {
					return CompletableFuture.completedFuture(false);
				}
				if (read.block().equals(block)) {
					return CompletableFuture.completedFuture(true);
				}
				return publish(valueKey(entry.resource()), null, block.encode(), read.revision())
					.handle((ack, failure) -> {
						if (failure == null) {
							return CompletableFuture.completedFuture(true);
						}
						if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE
								|| attempt >= MAX_REWRITES) {
							return CompletableFuture.<Boolean>failedFuture(failure);
						}
						return writeValue(entry, block, attempt + 1);
					})
					.thenCompose(Function.identity());
			});
		});
	}

	/**
	 * Marks the value of a key invalid because the entry {@code lost}, which may have held
	 * {@code PW} or {@code EX}, ends without a release: bytes and version kept, the entry's
	 * ticket named, so that its owner never writes over the mark. Nothing is written when
	 * the mark is there already, or when the value was written by a grant with a larger
	 * token than any the entry had: that grant came after the entry was lost (they
	 * conflict), and its value is the newer one. A mismatch reads the value again.
	 */
	CompletableFuture<Void> invalidate(String resource, EntryValue lost) {
		return invalidate(resource, lost, 1);
	}

	private CompletableFuture<Void> invalidate(String resource, EntryValue lost, int attempt) {
		long lastToken = (lost.requested() != null) ? Math.max(lost.token(), lost.order()) : lost.token();
		return lastValue(resource).thenCompose((read) -> {
			ValueBlock current = read.block();
			if (current.lostTicket() == lost.ticket() || current.value().version() > lastToken) {
				return CompletableFuture.completedFuture(null);
			}
			return publish(valueKey(resource), null, current.lostBy(lost.ticket()).encode(), read.revision())
				.handle((ack, failure) -> {
					if (failure == null) {
						logger.debug("Marked the value of a lock invalid: a PW or EX entry (ticket {}) was lost",
								lost.ticket());
						return CompletableFuture.<Void>completedFuture(null);
					}
					if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE || attempt >= MAX_REWRITES) {
						return CompletableFuture.<Void>failedFuture(failure);
					}
					return invalidate(resource, lost, attempt + 1);
				})
				.thenCompose(Function.identity());
		});
	}

	/**
	 * Whether a stored entry may hold {@code PW} or {@code EX}, or be granted them: granted
	 * in them, converting to them (an up-conversion alone on its key is granted before the
	 * grant is stored), or a request for them that some decision may have granted.
	 */
	static boolean mayHaveWritten(QueueView view, StoredEntry stored) {
		EntryValue value = stored.value();
		if (!mayHoldWriteMode(value)) {
			return false;
		}
		return !value.isImplicit() || (!value.flagged() && view.possiblyGranted(stored));
	}

	/** Whether an entry holds, or may be granted by a conversion, {@code PW} or {@code EX}. */
	static boolean mayHoldWriteMode(EntryValue value) {
		return isWriting(value.heldMode()) || (value.requested() != null && isWriting(value.requested()));
	}

	private static boolean isWriting(@Nullable LockMode mode) {
		return mode == LockMode.PW || mode == LockMode.EX;
	}

	/** Whether the stream leader still has the entry (its ticket), recording what it read. */
	private CompletableFuture<Boolean> holds(NatsQueueEntry entry) {
		return lastMessage(kvKey(entry.request())).thenApply((last) -> {
			StoredEntry stored = (last != null) ? last.entry() : null;
			if (stored == null || stored.ticket() != entry.ticket()) {
				return false;
			}
			entry.advance(stored);
			return true;
		});
	}

	/**
	 * The stream leader's value block of a key ({@link ValueBlock#NONE} if it has none, or
	 * one not of ours) with its revision ({@code 0} if none): the revision the next write of
	 * the value expects.
	 */
	private CompletableFuture<StoredValue> lastValue(String resource) {
		String subject = this.subjectPrefix + valueKey(resource);
		return this.calls.lastMessage(this.stream, subject, "a lock value").thenApply((info) -> {
			if (info == null) {
				return new StoredValue(0, ValueBlock.NONE);
			}
			ValueBlock block = BucketMirror.isPut(info.getHeaders()) ? ValueBlock.decode(info.getData()) : null;
			return new StoredValue(info.getSeq(), (block != null) ? block : ValueBlock.NONE);
		});
	}

	/**
	 * Converts a granted entry: one revision-checked write of the entry, then a decision on
	 * a copy complete as of that write (see {@code docs/backends/nats.md}, "Conversion").
	 * <p>
	 * Unlike the other calls, the answer is not handed over to the executor: it completes on
	 * the client thread that delivered the last reply, so that a caller blocked in
	 * {@code convert} wakes straight from there instead of after one more thread switch
	 * (one of two on the path; 10–20 % of a conversion's time, measured on a loaded two-core
	 * machine). What runs there is the engine's continuation of a conversion, short and
	 * non-blocking: it hands the result of an asynchronous conversion to its callback
	 * executor before any application callback runs, as it does on Redis, whose replies
	 * complete on the client's I/O thread. Only the observation handlers of
	 * {@code dlock.convert} run on the client thread, as they do on Redis.
	 */
	CompletableFuture<QueueState> convert(NatsQueueEntry entry, LockMode target, boolean waitIfBusy) {
		LockMode held = entry.value().heldMode();
		if (held == target) {
			return CompletableFuture.failedFuture(
					new IllegalArgumentException("The entry is granted in " + target + " already"));
		}
		if (held.covers(target)) {
			return downConvert(entry, held, target);
		}
		long changesBefore = this.mirror.changes(entry.lockKey());
		QueueView before = ownView(entry);
		CompletableFuture<QueueState> decision = rewrite(entry, (value) -> value.converting(value.heldMode(), target),
				waitIfBusy ? null : StoredEntry.tryHeaders())
			.thenCompose((revision) -> {
				if (revision == GONE) {
					return CompletableFuture.completedFuture(QueueState.GONE);
				}
				if (before.isFollowedDirectlyBy(revision) && before.isAlone(entry.request())) {
					// alone on the resource, and nothing was written between the copy and the
					// conversion: granted, its revision is the token
					return CompletableFuture.completedFuture(grantedAlone(entry, target, revision));
				}
				return view(entry, revision, false).thenCompose(
						(view) -> decideConversion(entry, view, new Asking(waitIfBusy, changesBefore)));
			});
		return decision;
	}

	/**
	 * Withdraws a pending conversion, or undoes a conversion granted meanwhile: the entry
	 * ends with no conversion pending, granted in {@code heldMode}, or in its granted mode
	 * if that does not cover {@code heldMode} (a mode is never raised).
	 */
	CompletableFuture<@Nullable LockMode> cancelConversion(NatsQueueEntry entry, LockMode heldMode) {
		AtomicReference<@Nullable LockMode> ended = new AtomicReference<>();
		return this.calls.handOver(rewrite(entry, (value) -> {
			LockMode current = value.heldMode();
			LockMode result = current.covers(heldMode) ? heldMode : current;
			ended.set(result);
			return (value.requested() == null && value.granted() == result) ? null : value.holding(result);
		}).thenApply((revision) -> (revision == GONE) ? null : ended.get()));
	}

	/**
	 * A down-conversion is granted by its write, whose revision is the new token. The
	 * requests its old mode blocks are flagged before that write, so that the ones it lets
	 * in are granted with tokens after it; requests that came meanwhile and that the new
	 * mode still blocks are flagged after it, before the token is handed out. It is not
	 * undone if that fails: undoing it would be an up-conversion without a check.
	 */
	private CompletableFuture<QueueState> downConvert(NatsQueueEntry entry, LockMode held, LockMode target) {
		QueueView exact = ownView(entry);
		CompletableFuture<QueueView> decided = exact.isExact() ? CompletableFuture.completedFuture(exact)
				: view(entry, entry.revision(), false);
		return decided.thenCompose((view) -> {
			StoredEntry self = view.find(entry.request());
			if (self == null || self.ticket() != entry.ticket()) {
				return CompletableFuture.completedFuture(QueueState.GONE);
			}
			return mark(entry.resource(), view.toFlagAfterGrant(self, held, Long.MAX_VALUE), false)
				.thenCompose((stands) -> rewrite(entry, (value) -> value.grantedWithNewToken(target)))
				.thenCompose((revision) -> {
					if (revision == GONE) {
						return CompletableFuture.completedFuture(QueueState.GONE);
					}
					if (view.isFollowedDirectlyBy(revision)) {
						// no request came between the view and the write (nor a flag: one
						// would have come between): what the new mode blocks, the old one did
						return CompletableFuture.completedFuture(QueueState.granted(revision));
					}
					return flagAfterGrant(entry, target, revision);
				});
		});
	}

	/**
	 * Decides a pending conversion. {@code asking} is the convert call that wrote it, or
	 * {@code null} for a poll.
	 */
	private CompletableFuture<QueueState> decideConversion(NatsQueueEntry entry, QueueView view,
			@Nullable Asking asking) {
		StoredEntry self = view.find(entry.request());
		if (self == null || self.ticket() != entry.ticket()) {
			return CompletableFuture.completedFuture(QueueState.GONE);
		}
		entry.advance(self);
		EntryValue value = self.value();
		LockMode held = value.granted();
		LockMode target = value.requested();
		if (held == null || target == null) {
			throw new IllegalStateException("No conversion is pending on " + entry);
		}
		long order = value.order();
		QueueView.ConversionCheck check = view.checkConversion(self, held, target, order);
		if (check.grantable()) {
			if (asking != null && view.isCopy() && view.isAlone(entry.request())
					&& this.mirror.changes(entry.lockKey()) == asking.changesBefore() + 1) {
				// nothing but the conversion's own message changed the resource since before it
				// was written: no token was issued after it, so its revision is the token
				return CompletableFuture.completedFuture(grantedAlone(entry, target, order));
			}
			return mark(entry.resource(), check.toFlag(), false).thenCompose((stands) -> {
				if (!stands) {
					return CompletableFuture.completedFuture(QueueState.waiting(Duration.ZERO));
				}
				return rewrite(entry, (current) -> (target == current.requested() && order == current.order())
						? current.grantedWithNewToken(target) : null).thenCompose((revision) -> {
							if (revision == GONE) {
								return CompletableFuture.completedFuture(QueueState.GONE);
							}
							if (revision == UNCHANGED) {
								throw new IllegalStateException("The conversion on " + entry + " was withdrawn");
							}
							return flagAfterGrant(entry, target, revision);
						})
					.handle((state, failure) -> (failure == null) ? CompletableFuture.completedFuture(state)
							: undo(entry, held).<QueueState>thenCompose((undone) -> CompletableFuture.failedFuture(failure)))
					.thenCompose(Function.identity());
			});
		}
		if (asking != null && (check.cycle() || !asking.waitIfBusy())) {
			QueueState refused = check.cycle() ? QueueState.DEADLOCK : QueueState.REJECTED;
			return undo(entry, held).thenApply((undone) -> (undone == GONE) ? QueueState.GONE : refused);
		}
		CompletableFuture<Boolean> flagged = mark(entry.resource(), check.toFlag(), false);
		CompletableFuture<Boolean> granted = mark(entry.resource(), check.toGrant(), true);
		return flagged.thenCombine(granted, Boolean::logicalAnd).thenCompose((stands) -> {
			Supplier<CompletableFuture<QueueState>> again = () -> view(entry, order, false)
				.thenCompose((next) -> decideConversion(entry, next, null));
			StoredEntry blocker = (check.doubtful() != null) ? check.doubtful() : check.blocker();
			if (!stands || blocker == null) {
				return CompletableFuture.completedFuture(QueueState.waiting(Duration.ZERO));
			}
			return waitFor(entry, blocker, mayHaveWritten(view, blocker), again);
		});
	}

	/**
	 * The copy as it is now, with the entry's own last write in it: exact (see
	 * {@link QueueView#isFollowedDirectlyBy}) when the copy is exact as of that write or the
	 * message before it, which spares a conversion the wait for the watcher to deliver the
	 * entry's own previous write.
	 */
	private QueueView ownView(NatsQueueEntry entry) {
		return this.mirror.snapshot(entry).withOwnWrite(entry.request(), entry.value(), entry.revision());
	}

	/**
	 * The grant of an up-conversion recorded with {@code revision} by an entry alone on its
	 * resource: no token was issued after that write, so its revision is the token. When the
	 * target covers the old mode, the stored message, which shows the conversion pending,
	 * keeps out exactly what the grant does (whatever conflicts with the old mode conflicts
	 * with the target), so the entry's next write (a conversion, a renewal, a release) stores
	 * the grant. Between {@code PR} and {@code CW} it would keep out more: a write that is
	 * not waited for stores the grant at once.
	 */
	private QueueState grantedAlone(NatsQueueEntry entry, LockMode target, long revision) {
		LockMode held = entry.value().heldMode();
		entry.assume(entry.value().converted(target, revision));
		if (!target.covers(held)) {
			rewrite(entry, Function.identity());
		}
		return QueueState.granted(revision);
	}

	/** Takes a pending conversion back; completes with the revision written, or {@link #GONE}. */
	private CompletableFuture<Long> undo(NatsQueueEntry entry, LockMode held) {
		return rewrite(entry, (value) -> (value.requested() != null || value.granted() != held) ? value.holding(held)
				: null);
	}

	/**
	 * After a grant with a new {@code token} (a conversion, or a flagged request): flags the
	 * waiting requests that its mode blocks and that could otherwise be granted later with a
	 * smaller token, then grants. Fails if a flag cannot be written.
	 */
	private CompletableFuture<QueueState> flagAfterGrant(NatsQueueEntry entry, LockMode mode, long token) {
		return view(entry, token, false).thenCompose((view) -> {
			StoredEntry self = view.find(entry.request());
			if (self == null || self.ticket() != entry.ticket()) {
				return CompletableFuture.completedFuture(QueueState.GONE);
			}
			return mark(entry.resource(), view.toFlagAfterGrant(self, mode, token), false).thenApply((stands) -> {
				if (!stands) {
					throw new IllegalStateException("A request that a conversion blocks was granted meanwhile");
				}
				return QueueState.granted(token);
			});
		});
	}

	/**
	 * Writes what a conversion decided about other entries' requests, each with a
	 * revision-checked write (retried on top of a renewal): flagged as waiting, or granted.
	 * Completes with {@code false} if one of them was resolved the other way meanwhile, so
	 * that the decision must be made again.
	 */
	private CompletableFuture<Boolean> mark(String resource, List<StoredEntry> requests, boolean grant) {
		List<CompletableFuture<Boolean>> marks = new ArrayList<>(requests.size());
		for (StoredEntry request : requests) {
			marks.add(mark(resource + "." + request.owner(), request.value(), request.revision(), grant, 1));
		}
		return CompletableFuture.allOf(marks.toArray(CompletableFuture[]::new))
			.thenApply((done) -> marks.stream().allMatch(CompletableFuture::join));
	}

	private CompletableFuture<Boolean> mark(String kvKey, EntryValue value, long revision, boolean grant,
			int attempt) {
		EntryValue marked = grant ? value.holding(value.mode()) : value.flag();
		return publish(kvKey, null, marked.encode(), revision).handle((ack, failure) -> {
			if (failure == null) {
				return CompletableFuture.completedFuture(true);
			}
			if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE || attempt >= MAX_REWRITES) {
				return CompletableFuture.<Boolean>failedFuture(failure);
			}
			return lastMessage(kvKey).thenCompose((last) -> {
				StoredEntry stored = (last != null) ? last.entry() : null;
				if (stored == null || stored.ticket() != value.ticket()) {
					return CompletableFuture.completedFuture(true); // gone
				}
				EntryValue now = stored.value();
				if (!now.isImplicit() || now.flagged()) {
					return CompletableFuture.completedFuture(now.isImplicit() != grant);
				}
				// renewed meanwhile
				return mark(kvKey, now, stored.revision(), grant, attempt + 1);
			});
		}).thenCompose(Function.identity());
	}

	/**
	 * Writes a new value of an entry of this backend, computed from its last known value
	 * and checked against that value's revision. On a mismatch (another backend flagged
	 * the entry, or a renewal went first) the value is computed again from the stream
	 * leader's message. Completes with the revision written, {@link #GONE} when the entry no
	 * longer exists, or {@link #UNCHANGED} when {@code next} wrote nothing.
	 */
	private CompletableFuture<Long> rewrite(NatsQueueEntry entry, Function<EntryValue, @Nullable EntryValue> next) {
		return rewrite(entry, next, null);
	}

	/** A rewrite whose messages carry {@code headers} (a try's conversion). */
	private CompletableFuture<Long> rewrite(NatsQueueEntry entry, Function<EntryValue, @Nullable EntryValue> next,
			@Nullable Headers headers) {
		return rewrite(entry, next, headers, 1);
	}

	private CompletableFuture<Long> rewrite(NatsQueueEntry entry, Function<EntryValue, @Nullable EntryValue> next,
			@Nullable Headers headers, int attempt) {
		EntryValue value = next.apply(entry.value());
		if (value == null) {
			return CompletableFuture.completedFuture(UNCHANGED);
		}
		String kvKey = kvKey(entry.request());
		long sentAt = this.calls.time().nanoTime();
		return publish(kvKey, headers, value.encode(), entry.revision()).handle((ack, failure) -> {
			if (failure == null) {
				entry.wrote(ack.getSeqno(), value.at(ack.getSeqno()), sentAt);
				return CompletableFuture.completedFuture(ack.getSeqno());
			}
			if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE || attempt >= MAX_REWRITES) {
				return CompletableFuture.<Long>failedFuture(failure);
			}
			return lastMessage(kvKey).thenCompose((last) -> {
				StoredEntry stored = (last != null) ? last.entry() : null;
				if (stored == null || stored.ticket() != entry.ticket()) {
					return CompletableFuture.completedFuture(GONE);
				}
				entry.advance(stored);
				return rewrite(entry, next, headers, attempt + 1);
			});
		}).thenCompose(Function.identity());
	}

	/**
	 * Renews every entry with a revision-checked write of its last known value, all sent
	 * before any reply is awaited, under one timeout for the round. An entry whose check
	 * fails was written meanwhile: by this backend (a conversion), which renewed it if that
	 * write was sent after the round began, or by another backend (a flag or a grant
	 * written into it), or an earlier renewal was applied but its reply lost. If the stream
	 * leader still has it, its stored value is written again against that revision,
	 * keeping what the others wrote; only an entry that is gone is lost. Any other failure
	 * fails the round, so that no entry is counted as renewed on a guess.
	 */
	CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		List<NatsQueueEntry> batch = entries.stream().map(NatsBucket::entry).toList();
		long start = this.calls.time().nanoTime();
		List<CompletableFuture<PublishAck>> sent = new ArrayList<>(batch.size());
		List<EntryValue> values = new ArrayList<>(batch.size());
		for (NatsQueueEntry entry : batch) {
			long revision = entry.revision();
			EntryValue value = entry.value();
			values.add(value);
			sent.add(send(kvKey(entry.request()), null, value.encode(), revision));
		}
		CompletableFuture<?>[] settled = sent.stream()
			.map((ack) -> ack.handle((result, failure) -> null))
			.toArray(CompletableFuture[]::new);
		// the outcomes may send requests (a recovery reads and writes again): never on the
		// client thread that delivered the last reply, which may be the one closing the connection
		CompletableFuture<Void> acked = this.calls.handOver(this.calls.bounded(CompletableFuture.allOf(settled)));
		return this.calls.handOver(acked.thenCompose((done) -> {
			List<CompletableFuture<@Nullable QueueEntry>> outcomes = new ArrayList<>(batch.size());
			for (int i = 0; i < batch.size(); i++) {
				outcomes.add(outcome(batch.get(i), values.get(i), sent.get(i), start));
			}
			return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply((all) -> {
				Set<QueueEntry> lost = new HashSet<>();
				for (CompletableFuture<@Nullable QueueEntry> outcome : outcomes) {
					QueueEntry entry = outcome.join();
					if (entry != null) {
						lost.add(entry);
					}
				}
				if (logger.isDebugEnabled()) {
					logger.debug("Renewed {} lock entries in {} ms; {} were no longer in the NATS bucket '{}'",
							batch.size(), (this.calls.time().nanoTime() - start) / 1_000_000, lost.size(), this.name);
				}
				return lost;
			});
		}));
	}

	/** Completes with {@code null} when renewed and with the entry when it is lost. */
	private CompletableFuture<@Nullable QueueEntry> outcome(NatsQueueEntry entry, EntryValue value,
			CompletableFuture<PublishAck> sent, long start) {
		PublishAck ack;
		try {
			ack = sent.join();
		}
		catch (RuntimeException ex) {
			if (NatsCalls.apiErrorCode(ex) != NatsCalls.WRONG_LAST_SEQUENCE) {
				return CompletableFuture.failedFuture(ex);
			}
			return recover(entry, start, 1);
		}
		entry.renewed(ack.getSeqno(), value.at(ack.getSeqno()), start);
		return CompletableFuture.completedFuture(null);
	}

	private CompletableFuture<@Nullable QueueEntry> recover(NatsQueueEntry entry, long start, int attempt) {
		if (entry.wroteSince(start)) {
			return CompletableFuture.completedFuture(null); // a conversion of this backend went first
		}
		String kvKey = kvKey(entry.request());
		// each step sends the next request, so each continues on a thread of dlock's
		return this.calls.handOver(lastMessage(kvKey)).thenCompose((last) -> {
			StoredEntry stored = (last != null) ? last.entry() : null;
			if (stored == null || stored.ticket() != entry.ticket()) {
				return CompletableFuture.<@Nullable QueueEntry>completedFuture(entry);
			}
			entry.advance(stored);
			long sentAt = this.calls.time().nanoTime();
			return this.calls.handOver(publish(kvKey, null, stored.value().encode(), stored.revision()))
				.handle((ack, failure) -> {
					if (failure == null) {
						entry.renewed(ack.getSeqno(), stored.value(), sentAt);
						return CompletableFuture.<@Nullable QueueEntry>completedFuture(null);
					}
					if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE) {
						throw AsyncFailures.toLockException(failure, "Renewing a lock entry");
					}
					if (attempt >= MAX_REWRITES) {
						throw new LockBackendException("Renewing a lock entry of '" + entry.request().key()
								+ "' failed: it was written by others " + attempt + " times in a row", null);
					}
					return recover(entry, start, attempt + 1);
				})
				.thenCompose(Function.identity());
		});
	}

	private CompletableFuture<PublishAck> delete(String kvKey) {
		return delete(kvKey, -1);
	}

	/** A delete marker, checked against {@code expectedRevision} unless it is -1. */
	private CompletableFuture<PublishAck> delete(String kvKey, long expectedRevision) {
		Headers headers = new Headers();
		headers.put("KV-Operation", "DEL");
		return publish(kvKey, headers, EMPTY, expectedRevision);
	}

	/**
	 * The entries of the entry's resource for a decision: the watcher's copy once it is
	 * complete as of {@code revision} (a write of the entry) and of the resource's fence,
	 * otherwise the stream leader's.
	 */
	private CompletableFuture<QueueView> view(NatsQueueEntry entry, long revision, boolean justCreated) {
		long needed = Math.max(revision, this.mirror.fence(entry.lockKey()));
		return this.mirror.awaitComplete(needed, WATCHER_STALL, WATCHER_WAIT_LIMIT).thenCompose((complete) -> {
			if (!complete) {
				logger.debug("The watcher of NATS bucket '{}' lags; asking the stream leader about lock '{}'",
						this.name, entry.request().key());
				return leaderView(entry);
			}
			if (justCreated && !this.mirror.sighted(kvKey(entry.request()))) {
				// complete as of our ticket but never showed our create: the stream went back
				this.calls.runBlocking(this.mirror::reload);
				return leaderView(entry);
			}
			return CompletableFuture.completedFuture(this.mirror.snapshot(entry));
		});
	}

	/**
	 * Decides a request (a new one, or a waiting one), on a copy that holds at least the
	 * entry's last write by this backend: a claim written back as a flag must not be read
	 * as the claim it was.
	 */
	private CompletableFuture<QueueState> decide(NatsQueueEntry entry, boolean justCreated) {
		return view(entry, entry.revision(), justCreated).thenCompose((view) -> decideRequest(entry, view));
	}

	private CompletableFuture<QueueState> decideRequest(NatsQueueEntry entry, QueueView view) {
		StoredEntry self = view.find(entry.request());
		if (self == null || self.ticket() != entry.ticket()) {
			return CompletableFuture.completedFuture(QueueState.GONE);
		}
		entry.advance(self);
		EntryValue value = self.value();
		if (!value.isImplicit()) {
			if (value.token() == entry.ticket()) {
				// a conversion wrote down that this request may have been granted by the rule
				return CompletableFuture.completedFuture(QueueState.GRANTED);
			}
			// a grant this backend claimed but did not confirm
			return confirmClaim(entry, value.token(), value.token(), 1);
		}
		StoredEntry blocker = view.requestBlocker(self);
		if (blocker != null) {
			return waitFor(entry, blocker, mayHaveWritten(view, blocker), () -> decide(entry, false));
		}
		if (!value.flagged() && !view.hasGrantAfter(self, self.ticket())) {
			return CompletableFuture.completedFuture(QueueState.GRANTED);
		}
		// flagged, or free beside a grant with a larger token, which it must not undercut
		return claim(entry);
	}

	/**
	 * Grants a request with a new token (a flagged one, or one beside a grant with a larger
	 * token): a write of its grant, whose revision is its new token, then a check on a copy
	 * complete as of that write. Conversions asked for later saw the grant; one asked for
	 * before it, or a flagged request granted before it, withdraws the grant again (which
	 * flags it).
	 */
	private CompletableFuture<QueueState> claim(NatsQueueEntry entry) {
		return rewrite(entry, (value) -> value.isImplicit()
				? value.grantedWithNewToken(value.mode()) : null).thenCompose((revision) -> {
					if (revision == GONE) {
						return CompletableFuture.completedFuture(QueueState.GONE);
					}
					if (revision == UNCHANGED) {
						return decide(entry, false);
					}
					return confirmClaim(entry, revision, revision, 1);
				});
	}

	/**
	 * Checks a claimed grant with {@code token} on a copy complete as of its write. The copy
	 * may be later than that: if a token larger than the claim's may have been drawn by a
	 * grant that no longer shows, the claim is written again for a new token and checked
	 * again. Conversions asked for after the first claim ({@code claimed}) saw it and wait
	 * for it.
	 */
	private CompletableFuture<QueueState> confirmClaim(NatsQueueEntry entry, long token, long claimed,
			int attempt) {
		return view(entry, token, false).thenCompose((view) -> {
			StoredEntry self = view.find(entry.request());
			if (self == null || self.ticket() != entry.ticket()) {
				return CompletableFuture.completedFuture(QueueState.GONE);
			}
			entry.advance(self);
			StoredEntry blocker = view.requestBlocker(self, claimed, (other) -> true);
			if (blocker == null && view.mayHideTokenAfter(self, token)) {
				if (attempt >= MAX_REWRITES) {
					return withdrawClaim(entry, token).thenApply(
							(revision) -> (revision == GONE) ? QueueState.GONE : QueueState.waiting(Duration.ZERO));
				}
				return rewrite(entry, (value) -> (value.token() == token && !value.isImplicit())
						? value.grantedWithNewToken(value.mode()) : null).thenCompose((revision) -> {
							if (revision == GONE) {
								return CompletableFuture.completedFuture(QueueState.GONE);
							}
							if (revision == UNCHANGED) {
								return decide(entry, false);
							}
							return confirmClaim(entry, revision, claimed, attempt + 1);
						});
			}
			if (blocker == null) {
				// a grant with a new token, as a conversion's: later requests it blocks draw one too
				return flagAfterGrant(entry, self.mode(), token)
					.handle((state, failure) -> (failure == null) ? CompletableFuture.completedFuture(state)
							: withdrawClaim(entry, token).<QueueState>thenCompose(
									(withdrawn) -> CompletableFuture.failedFuture(failure)))
					.thenCompose(Function.identity());
			}
			return withdrawClaim(entry, token)
				.thenCompose((revision) -> (revision == GONE) ? CompletableFuture.completedFuture(QueueState.GONE)
						: waitFor(entry, blocker, mayHaveWritten(view, blocker), () -> decide(entry, false)));
		});
	}

	/** Turns a claimed grant back into a flagged request. */
	private CompletableFuture<Long> withdrawClaim(NatsQueueEntry entry, long token) {
		return rewrite(entry, (value) -> (value.token() == token && !value.isImplicit()) ? value.flag() : null);
	}

	/**
	 * The state of an entry that waits for {@code blocker}: until the blocker's session's
	 * heartbeat may have run out, then after the stream leader confirmed that it did (and
	 * the blocker was deleted), or until the blocker's own max age ran out and the leader
	 * confirmed that it expired ({@code again} decides anew). A blocker that
	 * {@code mayHaveWritten} leaves the key's value invalid when it goes that way.
	 */
	private CompletableFuture<QueueState> waitFor(NatsQueueEntry entry, StoredEntry blocker, boolean mayHaveWritten,
			Supplier<CompletableFuture<QueueState>> again) {
		Duration remaining = this.mirror.remainingLease(blocker.written());
		if (remaining.compareTo(Duration.ZERO) <= 0) {
			return confirmExpiry(entry, blocker, mayHaveWritten, again);
		}
		String session = blocker.value().session();
		if (session == null) {
			return CompletableFuture.completedFuture(QueueState.waiting(remaining.plus(EXPIRY_SLACK)));
		}
		Duration alive = this.live.remaining(session);
		if (alive.compareTo(Duration.ZERO) > 0) {
			return CompletableFuture.completedFuture(QueueState.waiting(min(alive, remaining).plus(EXPIRY_SLACK)));
		}
		return this.calls.handOver(this.live.confirm(session)).thenCompose((liveness) -> switch (liveness) {
			case ALIVE -> CompletableFuture
				.completedFuture(QueueState.waiting(min(this.live.remaining(session), remaining).plus(EXPIRY_SLACK)));
			case EXPIRING -> CompletableFuture.completedFuture(QueueState.waiting(EXPIRY_RETRY));
			case GONE -> deleteDead(entry, blocker, mayHaveWritten, again);
		});
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

	/**
	 * Deletes an entry whose session's heartbeat the stream leader no longer has: that
	 * session can never renew again, and its holder counted the entry valid no longer than
	 * a lease after sending its last heartbeat, which the server stored later and kept a
	 * third of a lease longer still. The delete expects the blocker's revision; if the
	 * entry changed meanwhile (a flag another process wrote, or a late write of its owner),
	 * the leader's message is read as after a silent expiry, and the decision is made again.
	 * A delete marker is an ordinary removal: every copy sees it, in stream order. A blocker
	 * that {@code mayHaveWritten} first marks the key's value invalid (see
	 * {@link #writeValue}): its holder may have changed what the value describes.
	 */
	private CompletableFuture<QueueState> deleteDead(NatsQueueEntry entry, StoredEntry blocker,
			boolean mayHaveWritten, Supplier<CompletableFuture<QueueState>> again) {
		String blockerKey = entry.resource() + "." + blocker.owner();
		CompletableFuture<Void> marked = mayHaveWritten ? invalidate(entry.resource(), blocker.value())
				: CompletableFuture.completedFuture(null);
		return this.calls.handOver(marked.thenCompose((done) -> delete(blockerKey, blocker.revision())))
			.handle((ack, failure) -> {
				if (failure == null) {
					logger.debug("Deleted a {} entry of lock '{}' (token {}) whose session's heartbeat expired",
							blocker.mode(), entry.request().key(), blocker.value().token());
					this.mirror.tombstone(entry.lockKey(), blocker, ack.getSeqno());
					return again.get();
				}
				if (NatsCalls.apiErrorCode(failure) != NatsCalls.WRONG_LAST_SEQUENCE) {
					return CompletableFuture.<QueueState>failedFuture(failure);
				}
				return confirmExpiry(entry, blocker, mayHaveWritten, again);
			})
			.thenCompose(Function.identity());
	}

	/**
	 * The blocker's lease ran out by the server's timestamps and no delete came (max-age
	 * expiry is silent on 2.9): ask the stream leader, which also checks every renewal. If
	 * it is gone, the decision waits for a copy complete as of the stream's end after that
	 * answer (see {@link BucketMirror#tombstone}). A blocker that {@code mayHaveWritten}
	 * and expired leaves the key's value invalid, marked before the decision is made again.
	 */
	private CompletableFuture<QueueState> confirmExpiry(NatsQueueEntry entry, StoredEntry blocker,
			boolean mayHaveWritten, Supplier<CompletableFuture<QueueState>> again) {
		String blockerKey = entry.resource() + "." + blocker.owner();
		return lastMessage(blockerKey).thenCompose((last) -> {
			StoredEntry stored = (last != null) ? last.entry() : null;
			if (stored == null) {
				CompletableFuture<Void> marked = mayHaveWritten ? invalidate(entry.resource(), blocker.value())
						: CompletableFuture.completedFuture(null);
				return marked.thenCompose((done) -> info()).thenCompose((info) -> {
					StreamState state = info.getStreamState();
					this.mirror.tombstone(entry.lockKey(), blocker, (state != null) ? state.getLastSequence() : 0);
					return again.get();
				});
			}
			if (stored.revision() > blocker.revision()) {
				this.mirror.refresh(entry.lockKey(), stored);
				return again.get();
			}
			return CompletableFuture.completedFuture(QueueState.waiting(EXPIRY_RETRY));
		});
	}

	/**
	 * The entries of the resource from the stream leader: the subjects it holds for the
	 * key, then the last message of each. The leader's list contains the entry's own
	 * subject unless the entry is gone. Its delete markers tell up to where entries left
	 * (one that expired silently leaves no trace).
	 */
	private CompletableFuture<QueueView> leaderView(NatsQueueEntry entry) {
		entry.observedChanges(this.mirror.changes(entry.lockKey()));
		return subjects(entry.resource()).thenCompose((kvKeys) -> {
			List<CompletableFuture<@Nullable LastMessage>> reads = new ArrayList<>();
			for (String kvKey : kvKeys) {
				reads.add(lastMessage(kvKey));
			}
			return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply((done) -> {
				List<StoredEntry> entries = new ArrayList<>();
				long removedUpTo = 0;
				for (CompletableFuture<@Nullable LastMessage> read : reads) {
					LastMessage last = read.join();
					if (last != null && last.entry() != null) {
						entries.add(last.entry());
					}
					else if (last != null) {
						removedUpTo = Math.max(removedUpTo, last.revision());
					}
				}
				return new QueueView(entries, removedUpTo, this.maxAge, false, -1);
			});
		});
	}

	/**
	 * The stream leader's last message of a KV key, or {@code null} if it has none. Not a
	 * direct get, which any lagging replica may answer (see {@link NatsCalls#lastMessage}).
	 */
	private CompletableFuture<@Nullable LastMessage> lastMessage(String kvKey) {
		return this.calls.lastMessage(this.stream, this.subjectPrefix + kvKey, "a lock entry").thenApply((info) -> {
			if (info == null) {
				return null;
			}
			EntryValue value = BucketMirror.isPut(info.getHeaders()) ? EntryValue.decode(info.getData()) : null;
			if (value == null) {
				return new LastMessage(info.getSeq(), null);
			}
			String owner = kvKey.substring(kvKey.indexOf('.') + 1);
			return new LastMessage(info.getSeq(), new StoredEntry(owner, value.at(info.getSeq()), info.getSeq(),
					info.getTime().toInstant(), StoredEntry.isTry(info.getHeaders())));
		});
	}

	/** The KV keys the stream leader holds under {@code <resource>.*}, markers included. */
	private CompletableFuture<Set<String>> subjects(String resource) {
		String json = "{\"subjects_filter\":\"" + this.subjectPrefix + resource + ".*\"}";
		return this.calls.api("STREAM.INFO." + this.stream, json).thenApply((reply) -> {
			StreamInfo info = new StreamInfo(reply);
			if (info.hasError()) {
				throw new LockBackendException("Listing lock entries on the NATS stream leader failed: "
						+ info.getError(), null);
			}
			StreamState state = info.getStreamState();
			List<Subject> subjects = (state != null) ? state.getSubjects() : null;
			Set<String> kvKeys = new HashSet<>();
			if (subjects != null) {
				for (Subject subject : subjects) {
					kvKeys.add(subject.getName().substring(this.subjectPrefix.length()));
				}
			}
			return kvKeys;
		});
	}

	/**
	 * Publishes to an entry's subject, bounded by the request timeout.
	 * @param expectedRevision the revision the subject's last message must have (0: none),
	 * or -1 for no check
	 */
	private CompletableFuture<PublishAck> publish(String kvKey, @Nullable Headers headers, byte[] body,
			long expectedRevision) {
		return this.calls.bounded(send(kvKey, headers, body, expectedRevision));
	}

	/** Publishes without a timeout of its own, completing on the client's thread. */
	private CompletableFuture<PublishAck> send(String kvKey, @Nullable Headers headers, byte[] body,
			long expectedRevision) {
		return NatsCalls.send(this.jetStream, this.subjectPrefix + kvKey, headers, body, expectedRevision);
	}

	long watcherPosition() {
		return this.mirror.position();
	}

	/** The round trip for a health check: the stream's info from its leader. */
	CompletableFuture<StreamInfo> info() {
		return this.calls.api("STREAM.INFO." + this.stream, "").thenApply((reply) -> {
			StreamInfo info = new StreamInfo(reply);
			if (info.hasError()) {
				throw new LockBackendException("The NATS stream " + this.stream + " is not available: "
						+ info.getError(), null);
			}
			return info;
		});
	}

	/**
	 * The KV key of a lock key's value block: the encoded key alone, one subject token.
	 * Entries have two ({@code <encoded key>.<owner id>}), so the watcher's copy skips it
	 * and the stream leader's listing of {@code <encoded key>.*} leaves it out.
	 */
	private static String valueKey(String resource) {
		return resource;
	}

	/**
	 * The entry's KV key. Owner ids must be single subject tokens: a {@code .}, {@code *}
	 * or {@code >} there would let one request touch another's entry.
	 */
	private static String kvKey(AcquireRequest request) {
		if (!TOKEN.matcher(request.ownerId()).matches()) {
			throw new IllegalArgumentException("'ownerId' must consist of A-Z, a-z, 0-9, '-' and '_'");
		}
		return KeyCodec.encode(request.key()) + "." + request.ownerId();
	}

	/**
	 * A convert call whose conversion is being decided.
	 *
	 * @param waitIfBusy whether a conversion that cannot be granted now waits
	 * @param changesBefore the resource's change count before the conversion was written
	 */
	private record Asking(boolean waitIfBusy, long changesBefore) {
	}

	/**
	 * The last message of a key's value block.
	 *
	 * @param revision its stream sequence, or {@code 0} when there is none
	 * @param block the value it holds
	 */
	private record StoredValue(long revision, ValueBlock block) {
	}

	/**
	 * The last message of a KV key.
	 *
	 * @param revision its stream sequence
	 * @param entry the entry it holds, or {@code null} for a delete marker or a foreign value
	 */
	private record LastMessage(long revision, @Nullable StoredEntry entry) {
	}

	static NatsQueueEntry entry(QueueEntry entry) {
		if (entry instanceof NatsQueueEntry natsEntry) {
			return natsEntry;
		}
		throw new IllegalArgumentException("Not an entry of the NATS lock backend: " + entry);
	}

	@Override
	public void close() {
		this.mirror.close();
	}

}
