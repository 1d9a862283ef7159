package dev.dlock.support;

import java.util.ArrayList;
import java.util.List;

import dev.dlock.LockMode;
import dev.dlock.tck.ExpectedCompatibility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every queue of up to four requests over all six modes, compared with a reference model
 * that grants by definition, and checked for safety and no overtaking.
 */
class GrantRuleTests {

	@Test
	void everyQueueOfUpToFourRequestsMatchesTheReferenceModel() {
		int checked = 0;
		for (int length = 1; length <= 4; length++) {
			for (List<LockMode> queue : queues(length)) {
				List<Boolean> granted = new ArrayList<>();
				for (int i = 0; i < queue.size(); i++) {
					Integer blocker = GrantRule.blocker(indices(i), queue.get(i), queue::get);
					boolean grantedByRule = blocker == null;
					assertThat(grantedByRule).as("queue %s, entry %d", queue, i).isEqualTo(reference(queue, i));
					if (blocker != null) {
						assertThat(blocker).isLessThan(i);
						assertThat(ExpectedCompatibility.compatible(queue.get(blocker), queue.get(i))).isFalse();
						for (int j = blocker + 1; j < i; j++) {
							assertThat(ExpectedCompatibility.compatible(queue.get(j), queue.get(i)))
								.as("the blocker is the latest earlier conflict")
								.isTrue();
						}
					}
					granted.add(grantedByRule);
					checked++;
				}
				assertSafe(queue, granted);
			}
		}
		assertThat(checked).isEqualTo(6 + 2 * 36 + 3 * 216 + 4 * 1296);
	}

	@Test
	void removingTheBlockerGrantsOnlyWhenNoOtherConflictRemains() {
		for (List<LockMode> queue : queues(3)) {
			List<Integer> remaining = new ArrayList<>(List.of(0, 1));
			Integer blocker = GrantRule.blocker(remaining, queue.get(2), queue::get);
			if (blocker != null) {
				remaining.remove(blocker);
				Integer next = GrantRule.blocker(remaining, queue.get(2), queue::get);
				boolean otherConflict = remaining.stream()
					.anyMatch((j) -> !ExpectedCompatibility.compatible(queue.get(j), queue.get(2)));
				assertThat(next != null).isEqualTo(otherConflict);
			}
		}
	}

	/** Granted by definition: no earlier request conflicts. */
	private static boolean reference(List<LockMode> queue, int index) {
		for (int j = 0; j < index; j++) {
			if (!ExpectedCompatibility.compatible(queue.get(j), queue.get(index))) {
				return false;
			}
		}
		return true;
	}

	private static void assertSafe(List<LockMode> queue, List<Boolean> granted) {
		for (int i = 0; i < queue.size(); i++) {
			for (int j = i + 1; j < queue.size(); j++) {
				if (granted.get(i) && granted.get(j)) {
					assertThat(ExpectedCompatibility.compatible(queue.get(i), queue.get(j)))
						.as("granted together in %s", queue)
						.isTrue();
				}
				if (!granted.get(i) && granted.get(j)) {
					assertThat(ExpectedCompatibility.compatible(queue.get(i), queue.get(j)))
						.as("%d overtook the earlier waiting %d in %s", j, i, queue)
						.isTrue();
				}
			}
		}
	}

	private static List<Integer> indices(int below) {
		List<Integer> result = new ArrayList<>();
		for (int i = 0; i < below; i++) {
			result.add(i);
		}
		return result;
	}

	private static List<List<LockMode>> queues(int length) {
		List<List<LockMode>> result = new ArrayList<>();
		result.add(List.of());
		for (int i = 0; i < length; i++) {
			List<List<LockMode>> longer = new ArrayList<>();
			for (List<LockMode> prefix : result) {
				for (LockMode mode : LockMode.values()) {
					List<LockMode> queue = new ArrayList<>(prefix);
					queue.add(mode);
					longer.add(queue);
				}
			}
			result = longer;
		}
		return result;
	}

}
