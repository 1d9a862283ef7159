package dev.dlock.backend.etcd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.dlock.LockMode;

/**
 * A recorded history of grants of one lock, on one JVM's monotonic clock, and the safety
 * checks over it: no two conflicting grants overlapped (S1), and of two conflicting grants
 * where one ended before the other began, the later has the larger token (S2).
 * <p>
 * A grant's interval runs from when the client saw it to when the client began releasing
 * it (or was told it was lost), which lies inside the server's interval for the entry, so an
 * overlap of the recorded intervals proves an overlap on the server.
 */
final class GrantHistory {

	private final ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();

	void record(LockMode mode, long token, long grantedAt, long endedAt) {
		this.grants.add(new Grant(mode, token, grantedAt, endedAt));
	}

	int size() {
		return this.grants.size();
	}

	long grantedAfter(long nanoTime) {
		return this.grants.stream().filter((grant) -> grant.grantedAt() - nanoTime > 0).count();
	}

	/** Conflicting grants whose intervals overlapped; empty when S1 held. */
	List<String> overlaps() {
		List<Grant> sorted = sorted();
		List<String> overlaps = new ArrayList<>();
		for (int i = 0; i < sorted.size(); i++) {
			Grant earlier = sorted.get(i);
			for (int j = i + 1; j < sorted.size(); j++) {
				Grant later = sorted.get(j);
				if (later.grantedAt() - earlier.endedAt() >= 0) {
					break;
				}
				if (!earlier.mode().isCompatibleWith(later.mode())) {
					overlaps.add(earlier + " overlaps " + later);
				}
			}
		}
		return overlaps;
	}

	/** Pairs of conflicting grants in real-time order whose tokens did not increase. */
	List<String> tokenInversions() {
		List<Grant> sorted = sorted();
		List<String> inversions = new ArrayList<>();
		for (int i = 0; i < sorted.size(); i++) {
			Grant before = sorted.get(i);
			for (int j = 0; j < sorted.size(); j++) {
				Grant after = sorted.get(j);
				if (after.grantedAt() - before.endedAt() > 0 && !before.mode().isCompatibleWith(after.mode())
						&& after.token() <= before.token()) {
					inversions.add(before + " then " + after);
				}
			}
		}
		return inversions;
	}

	private List<Grant> sorted() {
		List<Grant> sorted = new ArrayList<>(this.grants);
		sorted.sort(Comparator.comparingLong(Grant::grantedAt));
		return sorted;
	}

	record Grant(LockMode mode, long token, long grantedAt, long endedAt) {

	}

}
