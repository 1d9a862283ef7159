package dev.dlock.engine;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The entries a session renews: a doubly linked list through the entries' own links, so
 * that an entry costs no node of a set. Adding and removing take the list's monitor for a
 * few field writes; the renewal and expiry scans work on a {@linkplain #snapshot()
 * snapshot}, so that what they call (an entry's loss listener) runs outside it.
 */
final class SessionEntries {

	// guarded by this, as are the entries' links
	private @Nullable LiveEntry first;

	private int size;

	synchronized void add(LiveEntry entry) {
		entry.next = this.first;
		if (this.first != null) {
			this.first.previous = entry;
		}
		this.first = entry;
		this.size++;
	}

	/** Removes an entry; does nothing if it is not in the list. */
	synchronized void remove(LiveEntry entry) {
		if (entry.previous == null && this.first != entry) {
			return;
		}
		if (entry.previous != null) {
			entry.previous.next = entry.next;
		}
		else {
			this.first = entry.next;
		}
		if (entry.next != null) {
			entry.next.previous = entry.previous;
		}
		entry.previous = null;
		entry.next = null;
		this.size--;
	}

	synchronized boolean isEmpty() {
		return this.size == 0;
	}

	/** The entries now, in a list of their own. */
	synchronized List<LiveEntry> snapshot() {
		List<LiveEntry> entries = new ArrayList<>(this.size);
		for (LiveEntry entry = this.first; entry != null; entry = entry.next) {
			entries.add(entry);
		}
		return entries;
	}

}
