package dev.dlock.backend.etcd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.support.TimeSource;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import org.jspecify.annotations.Nullable;

/**
 * The value blocks of a backend's locks (DESIGN.md §12), and the writer marks that tell a
 * reader that a {@code PW} or {@code EX} holder was lost.
 * <p>
 * etcd writes no grant: the client decides it from the queue. So every entry that may be
 * granted in {@code PW} or {@code EX} (its request's mode, its granted mode or the target of
 * its pending conversion) has a <em>writer mark</em>, {@code <prefix>.writers/<encoded
 * key>/<entry name>}, written in the same transaction that gives the entry such a mode and
 * deleted in the one that removes the entry or takes the mode away. Marks live under the
 * {@link RetentionLease}, not the session's: a mark whose entry is gone (its lease ended) is
 * a lost writer, and the value reads as invalid while the mark lasts. The value's writer
 * deletes the dead marks it sees, in the transaction that writes, and moves the live ones
 * to its own lease, so that no mark that matters ends before the value it invalidates.
 * <p>
 * A mark names its entry by key and create revision: an empty mark value means the mark's
 * mod revision (written with the entry), otherwise the value is the ticket in decimal. A
 * session reuses entry keys, and a mark left by an entry of the same key that was lost is
 * kept as a <em>lost mark</em> ({@code <mark>~<random>}, which names no entry) when the key
 * is used again. A waiting {@code PW} or {@code EX} request that is lost also leaves its
 * mark: the value then reads as invalid although nobody held it (etcd cannot tell).
 */
final class ValueBlocks {

	/** The bytes that stand before the value: its version, 8 bytes big-endian. */
	private static final int VERSION_BYTES = Long.BYTES;

	/** The value of a key that a lost writer left and nobody wrote since. */
	private static final LockValue LOST_UNWRITTEN = new LockValue(new byte[0], 0, false);

	private static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();

	private static final Op[] NOTHING = new Op[0];

	private final KV kv;

	private final EtcdLayout layout;

	private final RetentionLease retention;

	private final Duration requestTimeout;

	private final TimeSource time;

	ValueBlocks(KV kv, EtcdLayout layout, RetentionLease retention, Duration requestTimeout, TimeSource time) {
		this.kv = kv;
		this.layout = layout;
		this.retention = retention;
		this.requestTimeout = requestTimeout;
		this.time = time;
	}

	RetentionLease retention() {
		return this.retention;
	}

	/** Whether an entry in this state may be granted in {@code PW} or {@code EX}: it has a mark. */
	static boolean isWriting(EntryState state) {
		return isWriting(state.mode()) || (state.target() != null && isWriting(state.target()));
	}

	static boolean isWriting(LockMode mode) {
		return mode == LockMode.PW || mode == LockMode.EX;
	}

	/**
	 * The operations of an enqueue in {@code PW} or {@code EX} that mark its new entry (the
	 * mark's mod revision is the entry's create revision): a mark still there from a lost
	 * entry of the same key is kept as a lost mark first.
	 */
	List<Op> markNewEntry(ByteSequence entryKey, long retentionLease) {
		ByteSequence mark = this.layout.writerMarkOf(entryKey);
		ByteSequence lost = mark.concat(EtcdLayout.bytes("~" + UUID.randomUUID()));
		Op keepLost = Op.txn(new Cmp[] { new Cmp(mark, Cmp.Op.GREATER, CmpTarget.createRevision(0)) },
				new Op[] { Op.put(lost, ByteSequence.EMPTY, leased(retentionLease)) }, NOTHING);
		return List.of(keepLost, Op.put(mark, ByteSequence.EMPTY, leased(retentionLease)));
	}

	/** Marks an entry that gets a writing mode by a conversion. */
	Op mark(ByteSequence entryKey, long ticket, long retentionLease) {
		return Op.put(this.layout.writerMarkOf(entryKey), ticketValue(ticket), leased(retentionLease));
	}

	/** Deletes an entry's mark: it was removed, or left the writing modes, cleanly. */
	Op unmark(ByteSequence entryKey) {
		return Op.delete(this.layout.writerMarkOf(entryKey), DeleteOption.DEFAULT);
	}

	/**
	 * One transaction: the value, the marks and the queue of the entry's resource.
	 * @return the value, or {@code null} when the entry is gone
	 */
	CompletableFuture<@Nullable LockValue> read(EtcdQueueEntry entry) {
		ByteSequence key = entry.key();
		CompletableFuture<TxnResponse> txn = this.kv.txn()
			.Then(Op.get(this.layout.valueOf(key), GetOption.DEFAULT), Op.get(this.layout.writerMarksOf(key), PREFIX),
					Op.get(this.layout.resourceKeysOf(key).prefix(), PREFIX))
			.commit();
		return timed(txn).thenApply((response) -> {
			Map<ByteSequence, Long> queue = tickets(response.getGetResponses().get(2).getKvs());
			Long own = queue.get(key);
			if (own == null || own != entry.ticket()) {
				return null;
			}
			boolean valid = response.getGetResponses()
				.get(1)
				.getKvs()
				.stream()
				.allMatch((mark) -> isAlive(mark, queue));
			List<KeyValue> stored = response.getGetResponses().get(0).getKvs();
			if (stored.isEmpty()) {
				return valid ? LockValue.NONE : LOST_UNWRITTEN;
			}
			return decode(stored.get(0).getValue(), valid);
		});
	}

	/**
	 * Writes the value if the entry is granted in {@code PW} or {@code EX}: one read of the
	 * resource's queue and marks, then one transaction compared to the entry's mod revision
	 * in that read (so that a late duplicate of a write sent before a conversion out of the
	 * writing modes writes nothing), which writes the value, deletes the dead marks and moves
	 * the live ones to the value's lease.
	 */
	CompletableFuture<Boolean> write(EtcdQueueEntry entry, LockValue value) {
		long deadline = this.time.nanoTime() + this.requestTimeout.toNanos();
		return timed(this.kv.txn().Then(reads(entry)).commit())
			.thenCompose((read) -> write(entry, value, read, deadline));
	}

	private CompletableFuture<Boolean> write(EtcdQueueEntry entry, LockValue value, TxnResponse read, long deadline) {
		List<KeyValue> marks = read.getGetResponses().get(0).getKvs();
		List<KeyValue> queueKvs = read.getGetResponses().get(1).getKvs();
		QueueSnapshot.Member own = QueueSnapshot.of(queueKvs, read.getHeader().getRevision(), -1)
			.find(entry.key(), entry.ticket());
		if (own == null || !own.isGranted() || !isWriting(own.grantedMode())) {
			return CompletableFuture.completedFuture(false);
		}
		if (this.time.nanoTime() - deadline >= 0) {
			return CompletableFuture
				.failedFuture(new IllegalStateException("the entry kept changing for longer than the request timeout"));
		}
		return this.retention.id().thenCompose((lease) -> {
			List<Op> writes = new ArrayList<>();
			if (!value.valid()) {
				// the engine's mark for a writer it lost: a mark that names no entry is dead, so the
				// value reads as invalid until the next write deletes it
				writes.add(Op.put(this.layout.writerMarkOf(entry.key()).concat(EtcdLayout.bytes("~" + UUID.randomUUID())),
						ByteSequence.EMPTY, leased(lease)));
			}
			else {
				writes.add(Op.put(this.layout.valueOf(entry.key()), encode(value), leased(lease)));
			}
			Map<ByteSequence, Long> queue = tickets(queueKvs);
			for (KeyValue mark : value.valid() ? marks : List.<KeyValue>of()) {
				Cmp unchanged = new Cmp(mark.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(mark.getModRevision()));
				if (!isAlive(mark, queue)) {
					writes.add(Op.txn(new Cmp[] { unchanged },
							new Op[] { Op.delete(mark.getKey(), DeleteOption.DEFAULT) }, NOTHING));
				}
				else if (mark.getLease() != lease) {
					writes.add(Op.txn(new Cmp[] { unchanged },
							new Op[] { Op.put(mark.getKey(), ticketValue(ticketOf(mark)), leased(lease)) }, NOTHING));
				}
			}
			CompletableFuture<TxnResponse> txn = this.kv.txn()
				.If(new Cmp(entry.key(), Cmp.Op.EQUAL, CmpTarget.modRevision(own.modRevision())))
				.Then(writes.toArray(Op[]::new))
				.Else(reads(entry))
				.commit();
			return timed(txn).handle((response, failure) -> {
				if (failure != null) {
					// the only lease this transaction names is the value's
					return EtcdFailures.isLeaseNotFound(failure) ? this.retention.checkGone(lease)
						.thenCompose((gone) -> gone ? write(entry, value) : CompletableFuture.<Boolean>failedFuture(failure))
							: CompletableFuture.<Boolean>failedFuture(failure);
				}
				return response.isSucceeded() ? CompletableFuture.completedFuture(true)
						: write(entry, value, response, deadline);
			}).thenCompose(Function.identity());
		});
	}

	/** The marks and the queue of the entry's resource. */
	private Op[] reads(EtcdQueueEntry entry) {
		return new Op[] { Op.get(this.layout.writerMarksOf(entry.key()), PREFIX),
				Op.get(this.layout.resourceKeysOf(entry.key()).prefix(), EtcdLockSession.QUEUE) };
	}

	/** Whether a mark's entry is still there, with the mark's ticket. */
	private boolean isAlive(KeyValue mark, Map<ByteSequence, Long> queue) {
		Long ticket = queue.get(this.layout.entryOfWriterMark(mark.getKey()));
		return ticket != null && ticket == ticketOf(mark);
	}

	/** The create revision of the entry a mark names; 0 (no entry) when unreadable. */
	private static long ticketOf(KeyValue mark) {
		if (mark.getValue().isEmpty()) {
			return mark.getModRevision();
		}
		try {
			return Long.parseLong(mark.getValue().toString(StandardCharsets.UTF_8));
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	private static Map<ByteSequence, Long> tickets(List<KeyValue> entries) {
		Map<ByteSequence, Long> tickets = new HashMap<>();
		entries.forEach((entry) -> tickets.put(entry.getKey(), entry.getCreateRevision()));
		return tickets;
	}

	private static ByteSequence ticketValue(long ticket) {
		return EtcdLayout.bytes(Long.toString(ticket));
	}

	static ByteSequence encode(LockValue value) {
		return ByteSequence
			.from(ByteBuffer.allocate(VERSION_BYTES + value.length()).putLong(value.version()).put(value.bytes()).array());
	}

	/** A stored value; one this version cannot read counts as lost, rather than as valid. */
	static LockValue decode(ByteSequence stored, boolean valid) {
		byte[] bytes = stored.getBytes();
		if (bytes.length < VERSION_BYTES || bytes.length > VERSION_BYTES + LockValue.MAX_BYTES) {
			return LOST_UNWRITTEN;
		}
		long version = ByteBuffer.wrap(bytes).getLong();
		if (version < 0) {
			return LOST_UNWRITTEN;
		}
		return new LockValue(Arrays.copyOfRange(bytes, VERSION_BYTES, bytes.length), version, valid);
	}

	private static PutOption leased(long leaseId) {
		return PutOption.builder().withLeaseId(leaseId).build();
	}

	private <T> CompletableFuture<T> timed(CompletableFuture<T> call) {
		return this.time.failAfter(call.thenApply(Function.identity()), this.requestTimeout, "An etcd request");
	}

}
