package dev.dlock.backend.etcd;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.etcd.jetcd.ByteSequence;

/**
 * The entries of one backend whose removal was sent and not answered yet: their requests
 * were released or withdrawn, so nobody holds them any more, and the backend's next
 * enqueue on the same resource deletes them in its own transaction, before it reads the
 * queue. So a request follows a release of the same key at once, although jetcd may send
 * it before the delete.
 * <p>
 * No snapshot may leave such an entry out while etcd still has it: every other client
 * decides on the queue etcd shows, where a request that the entry blocks waits, and a
 * waiting request blocks no conversion; a request granted by leaving the entry out could
 * so be granted beside a conversion that conflicts with it. Deleting the entry first makes
 * the grant one that etcd's queue shows too.
 * <p>
 * An entry is known by its key and create revision, since a key is used again.
 * Thread-safe.
 */
final class DepartingEntries {

	private final Map<ByteSequence, Departing> byKey = new ConcurrentHashMap<>();

	/** Records that the removal of an entry of the resource with this prefix is being sent. */
	void departing(ByteSequence resourcePrefix, ByteSequence entryKey, long ticket) {
		this.byKey.put(entryKey, new Departing(resourcePrefix, entryKey, ticket));
	}

	/** Records that the removal of an entry was answered (or failed; a retry records it again). */
	void settled(ByteSequence entryKey, long ticket) {
		this.byKey.computeIfPresent(entryKey, (key, departing) -> (departing.ticket() == ticket) ? null : departing);
	}

	/**
	 * The departing entries of a resource.
	 * @param resourcePrefix the prefix of the resource's entries
	 * @return its departing entries
	 */
	List<Departing> of(ByteSequence resourcePrefix) {
		return this.byKey.values().stream().filter((departing) -> departing.resourcePrefix().equals(resourcePrefix)).toList();
	}

	/**
	 * An entry whose removal is under way.
	 *
	 * @param resourcePrefix the prefix of its resource's entries
	 * @param key its key
	 * @param ticket its create revision
	 */
	record Departing(ByteSequence resourcePrefix, ByteSequence key, long ticket) {
	}

}
