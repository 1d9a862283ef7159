package dev.dlock.tck;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.dlock.LockMode;

/**
 * A recorded history of grants, checked for conflicting overlaps and fencing order.
 * A grant's interval starts after {@code acquire} returned and ends before
 * {@code release} was called, so a recorded overlap is a real one.
 */
public final class History {

	private final ConcurrentLinkedQueue<Interval> intervals = new ConcurrentLinkedQueue<>();

	/**
	 * Records one grant.
	 * @param key the key
	 * @param mode the mode
	 * @param token the fencing token
	 * @param start when acquire returned, {@link System#nanoTime()}
	 * @param end when release was about to be called
	 */
	public void record(String key, LockMode mode, long token, long start, long end) {
		record(key, mode, token, start, end, "");
	}

	/**
	 * Records one grant, with a note that a violation's description repeats (who held it, and how it was
	 * granted), so that a rare failure can be traced.
	 * @param key the key
	 * @param mode the mode
	 * @param token the fencing token
	 * @param start when acquire returned, {@link System#nanoTime()}
	 * @param end when release was about to be called
	 * @param note what to say about the grant
	 */
	public void record(String key, LockMode mode, long token, long start, long end, String note) {
		this.intervals.add(new Interval(key, mode, token, start, end, note));
	}

	/**
	 * The number of recorded grants.
	 * @return the count
	 */
	public int size() {
		return this.intervals.size();
	}

	/**
	 * Pairs of conflicting grants on one key whose intervals overlapped.
	 * @return descriptions of the violations, empty when the history is safe
	 */
	public List<String> conflictingOverlaps() {
		List<Interval> all = new ArrayList<>(this.intervals);
		List<String> violations = new ArrayList<>();
		for (int i = 0; i < all.size(); i++) {
			for (int j = i + 1; j < all.size(); j++) {
				Interval a = all.get(i);
				Interval b = all.get(j);
				if (a.key.equals(b.key) && !ExpectedCompatibility.compatible(a.mode, b.mode) && a.start < b.end
						&& b.start < a.end) {
					violations.add(a + " overlaps " + b);
				}
			}
		}
		return violations;
	}

	/**
	 * Pairs of conflicting grants on one key where the one that began after the other ended
	 * has the smaller or equal token.
	 * @return descriptions of the violations, empty when tokens follow real time
	 */
	public List<String> tokenOrderViolations() {
		List<Interval> all = new ArrayList<>(this.intervals);
		List<String> violations = new ArrayList<>();
		for (Interval a : all) {
			for (Interval b : all) {
				if (a != b && a.key.equals(b.key) && !ExpectedCompatibility.compatible(a.mode, b.mode)
						&& a.end < b.start && b.token <= a.token) {
					violations.add(b + " began after " + a + " ended but has no larger token");
				}
			}
		}
		return violations;
	}

	private record Interval(String key, LockMode mode, long token, long start, long end, String note) {

		@Override
		public String toString() {
			return this.mode + " token=" + this.token + " on " + this.key + " [" + this.start + ", " + this.end + "]"
					+ (this.note.isEmpty() ? "" : " (" + this.note + ")");
		}

	}

}
