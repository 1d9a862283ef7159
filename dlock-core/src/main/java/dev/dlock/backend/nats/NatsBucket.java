package dev.dlock.backend.nats;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.dlock.LockBackendException;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Subscription;
import dev.dlock.support.AsyncFailures;
import dev.dlock.support.GrantRule;
import dev.dlock.support.KeyCodec;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.nats.client.api.Subject;
import io.nats.client.impl.Headers;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock queues in one JetStream key-value bucket: the atomic operations behind every
 * session of a backend.
 * <p>
 * An entry is the KV key {@code <encoded key>.<owner id>}; its create revision is the
 * ticket. Writes are JetStream publishes with an expected last subject sequence (create:
 * 0, renewal: the entry's last revision), sent without waiting for each other. Decisions
 * come from the {@link BucketMirror} once it is complete as of the entry's ticket, and
 * from the stream leader otherwise: never from a direct get, which any lagging replica may
 * answer.
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

	private final NatsCalls calls;

	private final JetStream jetStream;

	private final String name;

	private final String stream;

	private final String subjectPrefix;

	private final Duration maxAge;

	private final BucketMirror mirror;

	private NatsBucket(NatsCalls calls, JetStream jetStream, String name, Duration maxAge) {
		this.calls = calls;
		this.jetStream = jetStream;
		this.name = name;
		this.stream = "KV_" + name;
		this.subjectPrefix = "$KV." + name + ".";
		this.maxAge = maxAge;
		this.mirror = new BucketMirror(calls, this.stream, this.subjectPrefix, maxAge);
	}

	/**
	 * Opens the bucket, creating it if missing (history 1, max age = the lease time), and
	 * starts its watcher.
	 * @throws LockBackendException if the bucket exists with another max age, or the server
	 * fails
	 */
	static NatsBucket open(NatsCalls calls, String name, int replicas, StorageType storage, Duration leaseTime) {
		Connection connection = calls.connection();
		try {
			KeyValueManagement management = connection.keyValueManagement();
			KeyValueStatus status = status(management, name);
			if (status == null) {
				status = create(management, name, replicas, storage, leaseTime);
			}
			if (!leaseTime.equals(status.getTtl())) {
				throw new LockBackendException("The NATS bucket '" + name + "' has a max age of " + status.getTtl()
						+ ", but a lease time of " + leaseTime + " was asked for. An entry lives exactly as long as "
						+ "its bucket's max age, so one bucket serves one lease time: use a lease time of "
						+ status.getTtl() + ", or another bucket (a NatsLockBackend with its own bucket name) for "
						+ leaseTime, null);
			}
			if (status.getMaxHistoryPerKey() != 1) {
				logger.warn("The NATS bucket '{}' keeps {} revisions per key; dlock needs only 1", name,
						status.getMaxHistoryPerKey());
			}
			if (connection.getServerInfo().isSameOrNewerThanVersion("2.11.0")) {
				logger.debug("nats-server {} has per-message TTLs; dlock does not use them yet",
						connection.getServerInfo().getVersion());
			}
			NatsBucket bucket = new NatsBucket(calls, connection.jetStream(), name, leaseTime);
			bucket.mirror.start();
			return bucket;
		}
		catch (IOException | JetStreamApiException ex) {
			throw new LockBackendException("Opening the NATS bucket '" + name + "' failed: " + ex, ex);
		}
	}

	private static @Nullable KeyValueStatus status(KeyValueManagement management, String name)
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

	private static KeyValueStatus create(KeyValueManagement management, String name, int replicas,
			StorageType storage, Duration leaseTime) throws IOException, JetStreamApiException {
		KeyValueConfiguration configuration = KeyValueConfiguration.builder()
			.name(name)
			.description("dlock lock queues")
			.maxHistoryPerKey(1)
			.ttl(leaseTime)
			.replicas(replicas)
			.storageType(storage)
			.build();
		try {
			KeyValueStatus created = management.create(configuration);
			logger.info("Created the NATS bucket '{}' (max age {}, {} replicas, {} storage)", name, leaseTime,
					replicas, storage);
			return created;
		}
		catch (JetStreamApiException ex) {
			// another process created it first, perhaps with another configuration
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

	CompletableFuture<EnqueueResult> enqueue(AcquireRequest request) {
		String resource = KeyCodec.encode(request.key());
		String kvKey = kvKey(request);
		this.mirror.expect(kvKey);
		EntryValue value = new EntryValue(request.mode(), 0, request.key());
		return this.calls.handOver(create(kvKey, value.encode()).thenCompose((ack) -> {
			NatsQueueEntry entry = new NatsQueueEntry(request, resource, ack.getSeqno());
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
	private CompletableFuture<PublishAck> create(String kvKey, byte[] body) {
		return publish(kvKey, null, body, 0).handle((ack, failure) -> {
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
				return publish(kvKey, null, body, (last != null) ? last.revision() : 0);
			});
		}).thenCompose(Function.identity());
	}

	CompletableFuture<QueueState> poll(NatsQueueEntry entry) {
		return this.calls.handOver(decide(entry, false));
	}

	Subscription watch(NatsQueueEntry entry, Runnable onChange) {
		return this.mirror.watch(entry, onChange);
	}

	CompletableFuture<Void> remove(AcquireRequest request) {
		return this.calls.handOver(delete(kvKey(request)).thenApply((ack) -> null));
	}

	/**
	 * Renews every entry with a revision-checked write, all sent before any reply is
	 * awaited, under one timeout for the round. An entry whose check fails is lost, unless
	 * the stored entry still carries its ticket (an earlier renewal was applied but its reply
	 * was lost): then the renewal is sent again against that revision. Any other failure
	 * fails the round, so that no entry is counted as renewed on a guess.
	 */
	CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
		List<NatsQueueEntry> batch = entries.stream().map(NatsBucket::entry).toList();
		long start = this.calls.time().nanoTime();
		List<CompletableFuture<PublishAck>> sent = new ArrayList<>(batch.size());
		for (NatsQueueEntry entry : batch) {
			sent.add(send(kvKey(entry.request()), null, renewal(entry), entry.revision()));
		}
		CompletableFuture<?>[] settled = sent.stream()
			.map((ack) -> ack.handle((result, failure) -> null))
			.toArray(CompletableFuture[]::new);
		return this.calls.handOver(this.calls.bounded(CompletableFuture.allOf(settled)).thenCompose((done) -> {
			List<CompletableFuture<@Nullable QueueEntry>> outcomes = new ArrayList<>(batch.size());
			for (int i = 0; i < batch.size(); i++) {
				outcomes.add(outcome(batch.get(i), sent.get(i)));
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
	private CompletableFuture<@Nullable QueueEntry> outcome(NatsQueueEntry entry, CompletableFuture<PublishAck> sent) {
		PublishAck ack;
		try {
			ack = sent.join();
		}
		catch (RuntimeException ex) {
			if (NatsCalls.apiErrorCode(ex) != NatsCalls.WRONG_LAST_SEQUENCE) {
				return CompletableFuture.failedFuture(ex);
			}
			return recover(entry);
		}
		entry.advance(ack.getSeqno());
		return CompletableFuture.completedFuture(null);
	}

	private CompletableFuture<@Nullable QueueEntry> recover(NatsQueueEntry entry) {
		String kvKey = kvKey(entry.request());
		return lastMessage(kvKey).thenCompose((last) -> {
			StoredEntry stored = (last != null) ? last.entry() : null;
			if (stored == null || stored.revision() == entry.revision() || stored.ticket() != entry.ticket()) {
				return CompletableFuture.<@Nullable QueueEntry>completedFuture(entry);
			}
			return publish(kvKey, null, renewal(entry), stored.revision()).handle((ack, failure) -> {
				if (failure == null) {
					entry.advance(ack.getSeqno());
					return null;
				}
				if (NatsCalls.apiErrorCode(failure) == NatsCalls.WRONG_LAST_SEQUENCE) {
					return entry;
				}
				throw AsyncFailures.toLockException(failure, "Renewing a lock entry");
			});
		});
	}

	private static byte[] renewal(NatsQueueEntry entry) {
		AcquireRequest request = entry.request();
		return new EntryValue(request.mode(), entry.ticket(), request.key()).encode();
	}

	private CompletableFuture<PublishAck> delete(String kvKey) {
		Headers headers = new Headers();
		headers.put("KV-Operation", "DEL");
		return publish(kvKey, headers, EMPTY, -1);
	}

	/**
	 * Decides an entry: from the mirror once it is complete as of the entry's ticket,
	 * otherwise from the stream leader.
	 */
	private CompletableFuture<QueueState> decide(NatsQueueEntry entry, boolean justCreated) {
		return this.mirror.awaitComplete(entry.ticket(), WATCHER_STALL, WATCHER_WAIT_LIMIT).thenCompose((complete) -> {
			if (!complete) {
				logger.debug("The watcher of NATS bucket '{}' lags; asking the stream leader about lock '{}'",
						this.name, entry.request().key());
				return decideOnLeader(entry);
			}
			if (justCreated && !this.mirror.sighted(kvKey(entry.request()))) {
				// complete as of our ticket but never showed our create: the stream went back
				this.calls.run(this.mirror::reload);
				return decideOnLeader(entry);
			}
			return decideOnMirror(entry);
		});
	}

	private CompletableFuture<QueueState> decideOnMirror(NatsQueueEntry entry) {
		BucketMirror.Evaluation evaluation = this.mirror.evaluate(entry);
		StoredEntry blocker = evaluation.blocker();
		switch (evaluation.verdict()) {
			case GRANTED:
				return CompletableFuture.completedFuture(QueueState.GRANTED);
			case GONE:
				return CompletableFuture.completedFuture(QueueState.GONE);
			default:
				Objects.requireNonNull(blocker);
				if (evaluation.remaining().compareTo(Duration.ZERO) > 0) {
					return CompletableFuture.completedFuture(QueueState.waiting(evaluation.remaining().plus(EXPIRY_SLACK)));
				}
				return confirmExpiry(entry, blocker);
		}
	}

	/**
	 * The blocker's lease ran out by the server's timestamps and no delete came (max-age
	 * expiry is silent on 2.9): ask the stream leader, which also checks every renewal.
	 */
	private CompletableFuture<QueueState> confirmExpiry(NatsQueueEntry entry, StoredEntry blocker) {
		String blockerKey = entry.resource() + "." + blocker.owner();
		return lastMessage(blockerKey).thenCompose((last) -> {
			StoredEntry stored = (last != null) ? last.entry() : null;
			if (stored == null) {
				this.mirror.tombstone(entry.resource(), blocker);
				return decideOnMirror(entry);
			}
			if (stored.revision() > blocker.revision()) {
				this.mirror.refresh(entry.resource(), stored);
				return decideOnMirror(entry);
			}
			return CompletableFuture.completedFuture(QueueState.waiting(EXPIRY_RETRY));
		});
	}

	/**
	 * Decides from the stream leader: the subjects it holds for the key, then the last
	 * message of each. The leader's list contains our own entry unless it is gone.
	 */
	private CompletableFuture<QueueState> decideOnLeader(NatsQueueEntry entry) {
		entry.observedChanges(this.mirror.changes(entry.resource()));
		String ownKey = kvKey(entry.request());
		return subjects(entry.resource()).thenCompose((kvKeys) -> {
			if (!kvKeys.contains(ownKey)) {
				return CompletableFuture.completedFuture(QueueState.GONE);
			}
			List<CompletableFuture<@Nullable StoredEntry>> reads = new ArrayList<>();
			for (String kvKey : kvKeys) {
				if (!kvKey.equals(ownKey)) {
					reads.add(lastMessage(kvKey).thenApply((last) -> (last != null) ? last.entry() : null));
				}
			}
			return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply((done) -> {
				List<StoredEntry> earlier = reads.stream()
					.map(CompletableFuture::join)
					.filter(Objects::nonNull)
					.filter((stored) -> stored.ticket() < entry.ticket())
					.sorted(Comparator.comparingLong(StoredEntry::ticket))
					.toList();
				StoredEntry blocker = GrantRule.blocker(earlier, entry.request().mode(), StoredEntry::mode);
				if (blocker == null) {
					return QueueState.GRANTED;
				}
				Duration remaining = this.mirror.remainingLease(blocker.written());
				return QueueState.waiting((remaining.compareTo(EXPIRY_RETRY) > 0) ? remaining.plus(EXPIRY_SLACK)
						: EXPIRY_RETRY);
			});
		});
	}

	/**
	 * The stream leader's last message of a KV key, or {@code null} if it has none. Not a
	 * direct get: STREAM.MSG.GET is answered by the stream leader only, which also checks
	 * every renewal's expected revision.
	 */
	private CompletableFuture<@Nullable LastMessage> lastMessage(String kvKey) {
		String json = "{\"last_by_subj\":\"" + this.subjectPrefix + kvKey + "\"}";
		return this.calls.api("STREAM.MSG.GET." + this.stream, json).thenApply((reply) -> {
			MessageInfo info = new MessageInfo(reply, this.stream, false);
			if (info.hasError()) {
				if (info.getApiErrorCode() == NatsCalls.NO_MESSAGE_FOUND) {
					return null;
				}
				throw new LockBackendException("Reading a lock entry from the NATS stream leader failed: "
						+ info.getError(), null);
			}
			EntryValue value = BucketMirror.isPut(info.getHeaders()) ? EntryValue.decode(info.getData()) : null;
			if (value == null) {
				return new LastMessage(info.getSeq(), null);
			}
			String owner = kvKey.substring(kvKey.indexOf('.') + 1);
			return new LastMessage(info.getSeq(), new StoredEntry(owner, value.mode(), value.ticketAt(info.getSeq()),
					info.getSeq(), info.getTime().toInstant()));
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
	 * Publishes to an entry's subject, bounded by the request timeout and completed on the
	 * executor.
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
		try {
			PublishOptions options = (expectedRevision >= 0)
					? PublishOptions.builder().expectedLastSubjectSequence(expectedRevision).build() : null;
			return this.jetStream.publishAsync(this.subjectPrefix + kvKey, headers, body, options);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
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
