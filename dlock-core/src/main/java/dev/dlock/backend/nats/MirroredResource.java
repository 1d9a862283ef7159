package dev.dlock.backend.nats;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The entries of one lock key in a {@link BucketMirror}'s copy of its bucket, and what the
 * copy's decisions about the key must wait for. One lives per lock held anywhere on the
 * bucket, so the one entry most locks have is kept without a map (a map is made for a
 * second entry and dropped again when one is left), and no view of it is kept. Not
 * thread-safe: the mirror's lock guards it.
 */
final class MirroredResource {

	/** The lock key, the instance the copy's map and the entries' values share. */
	private final String lockKey;

	/** The resource's entry while it has one, as most have; {@code null} otherwise. */
	private @Nullable StoredEntry only;

	/** The entries by owner while there are two or more; {@code null} otherwise. */
	private @Nullable Map<String, StoredEntry> many;

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

	String lockKey() {
		return this.lockKey;
	}

	boolean isEmpty() {
		return this.only == null && this.many == null;
	}

	@Nullable StoredEntry get(String owner) {
		StoredEntry single = this.only;
		if (single != null) {
			return single.hasOwner(owner) ? single : null;
		}
		return (this.many != null) ? this.many.get(owner) : null;
	}

	/** Stores an entry in place of its owner's; returns the one it replaced, if any. */
	@Nullable StoredEntry put(StoredEntry entry) {
		StoredEntry single = this.only;
		if (this.many != null) {
			return this.many.put(entry.owner(), entry);
		}
		if (single == null || single.hasSameOwner(entry)) {
			this.only = entry;
			return single;
		}
		Map<String, StoredEntry> entries = new HashMap<>(4);
		entries.put(single.owner(), single);
		entries.put(entry.owner(), entry);
		this.many = entries;
		this.only = null;
		return null;
	}

	/** Removes an owner's entry; returns it, if there was one. */
	@Nullable StoredEntry remove(String owner) {
		StoredEntry single = this.only;
		if (single != null) {
			if (!single.hasOwner(owner)) {
				return null;
			}
			this.only = null;
			return single;
		}
		StoredEntry removed = (this.many != null) ? this.many.remove(owner) : null;
		if (removed != null) {
			compact();
		}
		return removed;
	}

	List<StoredEntry> entryList() {
		List<StoredEntry> list = new ArrayList<>((this.many != null) ? this.many.size() : 1);
		if (this.only != null) {
			list.add(this.only);
		}
		else if (this.many != null) {
			list.addAll(this.many.values());
		}
		return list;
	}

	/** Drops the entries written before a time; tells whether any was. */
	boolean removeWrittenBefore(Instant horizon) {
		long horizonNanos = StoredEntry.epochNanos(horizon);
		StoredEntry single = this.only;
		if (single != null) {
			if (single.writtenNanos() >= horizonNanos) {
				return false;
			}
			this.only = null;
			return true;
		}
		if (this.many == null || !this.many.values().removeIf((stored) -> stored.writtenNanos() < horizonNanos)) {
			return false;
		}
		compact();
		return true;
	}

	/** Goes back to the form without a map once at most one entry is left. */
	private void compact() {
		Map<String, StoredEntry> entries = this.many;
		if (entries != null && entries.size() <= 1) {
			this.many = null;
			this.only = entries.isEmpty() ? null : entries.values().iterator().next();
		}
	}

}
