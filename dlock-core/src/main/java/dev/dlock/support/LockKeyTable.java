package dev.dlock.support;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A hash table of objects filed by lock key, whose buckets are chained through the
 * members' own links: a member costs no map node. A backend keeps one member per held lock
 * (an entry, a resource of its copy of the server), and an application may hold a hundred
 * thousand, so the 32 bytes a {@link java.util.HashMap} node takes matter there.
 * <p>
 * Several members may share a lock key, and members of other keys may share its bucket:
 * {@link #chain} gives a bucket's first member, and the caller walks on with
 * {@link Member#nextInTable()}, comparing keys. A member belongs to at most one table at a
 * time. Not thread-safe: the owner guards the table and the members' links.
 *
 * @param <E> the members' type
 * @since 0.1.0
 */
public final class LockKeyTable<E extends LockKeyTable.Member<E>> {

	private static final int INITIAL_BUCKETS = 16;

	private @Nullable Object[] buckets = new Object[INITIAL_BUCKETS];

	private int size;

	/**
	 * The first member of the chain that holds the members of a lock key, if any; the chain
	 * may hold members of other keys too.
	 * @param lockKey the lock key
	 * @return the chain's first member, or {@code null} when it is empty
	 */
	public @Nullable E chain(String lockKey) {
		return member(this.buckets[bucketOf(lockKey, this.buckets.length)]);
	}

	/**
	 * Files a member under its lock key, at the head of its chain; the table grows twice as
	 * large when it is three quarters full.
	 * @param member a member of no table
	 */
	public void add(E member) {
		if (this.size >= this.buckets.length - (this.buckets.length >> 2)) {
			resize();
		}
		int bucket = bucketOf(member.lockKey(), this.buckets.length);
		member.nextInTable(member(this.buckets[bucket]));
		this.buckets[bucket] = member;
		this.size++;
	}

	/**
	 * Takes a member out of the table; its link is left as it was.
	 * @param member the member
	 * @return whether it was in the table
	 */
	public boolean remove(E member) {
		int bucket = bucketOf(member.lockKey(), this.buckets.length);
		E first = member(this.buckets[bucket]);
		if (first == member) {
			this.buckets[bucket] = member.nextInTable();
			this.size--;
			return true;
		}
		for (E before = first; before != null; before = before.nextInTable()) {
			if (before.nextInTable() == member) {
				before.nextInTable(member.nextInTable());
				this.size--;
				return true;
			}
		}
		return false;
	}

	/**
	 * How many members the table holds.
	 * @return the count
	 */
	public int size() {
		return this.size;
	}

	/**
	 * Every member, in no particular order, as a list of its own.
	 * @return the members
	 */
	public List<E> members() {
		List<E> members = new ArrayList<>(this.size);
		for (Object first : this.buckets) {
			for (E member = member(first); member != null; member = member.nextInTable()) {
				members.add(member);
			}
		}
		return members;
	}

	/** Takes every member out of the table; the table keeps its size. */
	public void clear() {
		Arrays.fill(this.buckets, null);
		this.size = 0;
	}

	/** Twice the buckets, each member moved to its bucket there (the order within one does not matter). */
	private void resize() {
		@Nullable Object[] larger = new Object[this.buckets.length * 2];
		for (Object first : this.buckets) {
			E member = member(first);
			while (member != null) {
				E next = member.nextInTable();
				int bucket = bucketOf(member.lockKey(), larger.length);
				member.nextInTable(member(larger[bucket]));
				larger[bucket] = member;
				member = next;
			}
		}
		this.buckets = larger;
	}

	@SuppressWarnings("unchecked")
	private @Nullable E member(@Nullable Object bucket) {
		return (E) bucket;
	}

	private static int bucketOf(String lockKey, int buckets) {
		int hash = lockKey.hashCode();
		return (hash ^ (hash >>> 16)) & (buckets - 1);
	}

	/**
	 * What a {@link LockKeyTable} files: an object with a lock key and one link to the next
	 * member of its chain, which only the table sets.
	 *
	 * @param <E> the members' type
	 */
	public interface Member<E> {

		/**
		 * The lock key the member is filed under; it must not change while it is in a table.
		 * @return the lock key
		 */
		String lockKey();

		/**
		 * The next member in the member's chain.
		 * @return the next member, or {@code null} at the end of the chain
		 */
		@Nullable E nextInTable();

		/**
		 * Sets the link to the next member; for the table alone.
		 * @param next the next member, or {@code null}
		 */
		void nextInTable(@Nullable E next);

	}

}
