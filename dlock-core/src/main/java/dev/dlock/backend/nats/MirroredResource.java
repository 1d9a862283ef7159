package dev.dlock.backend.nats;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.dlock.support.LockKeyTable;
import org.jspecify.annotations.Nullable;

/**
 * The entries of one lock key in a {@link BucketMirror}'s copy of its bucket, and what the
 * copy's decisions about the key must wait for. One lives per lock held anywhere on the
 * bucket, so the one entry most locks have is kept without a map (a map is made for a
 * second entry and dropped again when one is left), no view of it is kept, and it is its
 * own node in the copy's table. Not thread-safe: the mirror's lock guards it.
 */
final class MirroredResource implements LockKeyTable.Member<MirroredResource> {

	/** The lock key, the instance the entries' values share. */
	private final String lockKey;

	/**
	 * The resource's entry while it has one, as most have ({@link StoredEntry}); its entries
	 * by owner while there are two or more (a {@code Map<String, StoredEntry>}); {@code null}
	 * while it has none. One field for both, since one resource lives per held lock.
	 */
	private @Nullable Object entries;

	private @Nullable MirroredResource next;

	/** Up to which stream sequence a decision about the key waits for the copy ({@link BucketMirror#fence}). */
	long fence;

	/**
	 * Up to which stream sequence entries may have left the resource unseen by a
	 * decision: the last removal the copy applied, or, before any, the message that made
	 * the copy hold the resource (what left earlier is not known).
	 */
	long removedUpTo;

	MirroredResource(String lockKey, long firstSeq) {
		this.lockKey = lockKey;
		this.removedUpTo = firstSeq;
	}

	@Override
	public String lockKey() {
		return this.lockKey;
	}

	@Override
	public @Nullable MirroredResource nextInTable() {
		return this.next;
	}

	@Override
	public void nextInTable(@Nullable MirroredResource next) {
		this.next = next;
	}

	boolean isEmpty() {
		return this.entries == null;
	}

	@Nullable StoredEntry get(String owner) {
		StoredEntry single = only();
		if (single != null) {
			return single.hasOwner(owner) ? single : null;
		}
		Map<String, StoredEntry> many = many();
		return (many != null) ? many.get(owner) : null;
	}

	/** Stores an entry in place of its owner's; returns the one it replaced, if any. */
	@Nullable StoredEntry put(StoredEntry entry) {
		Map<String, StoredEntry> many = many();
		if (many != null) {
			return many.put(entry.owner(), entry);
		}
		StoredEntry single = only();
		if (single == null || single.hasSameOwner(entry)) {
			this.entries = entry;
			return single;
		}
		Map<String, StoredEntry> both = new HashMap<>(4);
		both.put(single.owner(), single);
		both.put(entry.owner(), entry);
		this.entries = both;
		return null;
	}

	/** Removes an owner's entry; returns it, if there was one. */
	@Nullable StoredEntry remove(String owner) {
		StoredEntry single = only();
		if (single != null) {
			if (!single.hasOwner(owner)) {
				return null;
			}
			this.entries = null;
			return single;
		}
		Map<String, StoredEntry> many = many();
		StoredEntry removed = (many != null) ? many.remove(owner) : null;
		if (removed != null) {
			compact();
		}
		return removed;
	}

	List<StoredEntry> entryList() {
		StoredEntry single = only();
		if (single != null) {
			List<StoredEntry> list = new ArrayList<>(1);
			list.add(single);
			return list;
		}
		Map<String, StoredEntry> many = many();
		return (many != null) ? new ArrayList<>(many.values()) : new ArrayList<>(1);
	}

	/** Drops the entries written before a time; tells whether any was. */
	boolean removeWrittenBefore(Instant horizon) {
		long horizonNanos = StoredEntry.epochNanos(horizon);
		StoredEntry single = only();
		if (single != null) {
			if (single.writtenNanos() >= horizonNanos) {
				return false;
			}
			this.entries = null;
			return true;
		}
		Map<String, StoredEntry> many = many();
		if (many == null || !many.values().removeIf((stored) -> stored.writtenNanos() < horizonNanos)) {
			return false;
		}
		compact();
		return true;
	}

	/** Goes back to the form without a map once at most one entry is left. */
	private void compact() {
		Map<String, StoredEntry> many = many();
		if (many != null && many.size() <= 1) {
			this.entries = many.isEmpty() ? null : many.values().iterator().next();
		}
	}

	private @Nullable StoredEntry only() {
		return (this.entries instanceof StoredEntry single) ? single : null;
	}

	@SuppressWarnings("unchecked")
	private @Nullable Map<String, StoredEntry> many() {
		return (this.entries instanceof Map<?, ?> many) ? (Map<String, StoredEntry>) many : null;
	}

}
