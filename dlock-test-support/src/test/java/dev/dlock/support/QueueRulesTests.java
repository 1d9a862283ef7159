package dev.dlock.support;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.dlock.LockMode;
import dev.dlock.spi.Queued;
import dev.dlock.tck.ConversionModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link QueueRules} against the reference model, on every queue of up to four entries
 * that the rules can reach from an empty lock: requests in any mode, grants, conversions
 * to any mode (waiting, granted or refused), withdrawn conversions and releases, in every
 * order. At each queue every answer of the rules must be the model's, and no two granted
 * modes may conflict.
 */
class QueueRulesTests {

	private static final int MAX_ENTRIES = 4;

	@Test
	void everyReachableQueueOfUpToFourEntriesIsJudgedAsTheModelJudgesIt() {
		Set<List<Queued>> seen = new HashSet<>();
		Deque<List<Queued>> toVisit = new ArrayDeque<>();
		toVisit.add(List.of());
		seen.add(List.of());
		int conversionsChecked = 0;
		int deadlocks = 0;
		while (!toVisit.isEmpty()) {
			List<Queued> queue = toVisit.poll();
			assertNoConflictingGrants(queue);
			List<List<Queued>> next = new ArrayList<>();
			for (Queued entry : queue) {
				if (entry.isWaiting()) {
					boolean grantable = ConversionModel.requestMayBeGranted(queue, entry);
					assertThat(QueueRules.blockerOfRequest(queue, entry) == null).as("request %s in %s", entry, queue)
						.isEqualTo(grantable);
					if (grantable) {
						next.add(replace(queue, entry, Queued.granted(entry.ticket(), entry.requested())));
					}
					next.add(remove(queue, entry));
				}
				else if (entry.isConverting()) {
					boolean grantable = QueueRules.blockerOfConversion(queue, entry, entry.requested()) == null;
					if (grantable) {
						next.add(replace(queue, entry, Queued.granted(entry.ticket(), entry.requested())));
					}
					next.add(replace(queue, entry, Queued.granted(entry.ticket(), entry.granted())));
					next.add(remove(queue, entry));
				}
				else {
					for (LockMode target : LockMode.values()) {
						if (target == entry.granted()) {
							continue;
						}
						ConversionModel.Outcome expected = ConversionModel.conversion(queue, entry, target);
						assertThat(outcome(queue, entry, target)).as("%s converting to %s in %s", entry, target, queue)
							.isEqualTo(expected);
						conversionsChecked++;
						switch (expected) {
							case GRANTED -> next.add(replace(queue, entry, Queued.granted(entry.ticket(), target)));
							case WAITS -> next.add(replace(queue, entry,
									Queued.converting(entry.ticket(), entry.granted(), target, nextOrder(queue))));
							case DEADLOCK -> deadlocks++;
						}
					}
					next.add(remove(queue, entry));
				}
			}
			if (queue.size() < MAX_ENTRIES) {
				long ticket = queue.stream().mapToLong(Queued::ticket).max().orElse(0) + 1;
				for (LockMode mode : LockMode.values()) {
					Queued request = Queued.waiting(ticket, mode);
					List<Queued> added = new ArrayList<>(queue);
					added.add(request);
					next.add(ConversionModel.requestMayBeGranted(added, request)
							? replace(added, request, Queued.granted(ticket, mode)) : List.copyOf(added));
				}
			}
			for (List<Queued> reached : next) {
				List<Queued> canonical = canonical(reached);
				if (seen.add(canonical)) {
					toVisit.add(canonical);
				}
			}
		}
		assertThat(seen).as("queues reached").hasSizeGreaterThan(10_000);
		assertThat(deadlocks).as("refused conversions met").isPositive();
		assertThat(conversionsChecked).isPositive();
	}

	@Test
	void twoReadersBothAskingForExclusiveIsADeadlockForTheLaterOnly() {
		Queued first = Queued.granted(1, LockMode.PR);
		Queued second = Queued.granted(2, LockMode.PR);
		assertThat(QueueRules.closesCycle(List.of(first, second), first, LockMode.EX)).isFalse();
		List<Queued> firstWaits = List.of(Queued.converting(1, LockMode.PR, LockMode.EX, 1), second);
		assertThat(QueueRules.blockerOfConversion(firstWaits, second, LockMode.EX)).isNotNull();
		assertThat(QueueRules.closesCycle(firstWaits, second, LockMode.EX)).isTrue();
	}

	@Test
	void aWaitingRequestNeverHoldsAConversionBack() {
		Queued holder = Queued.granted(1, LockMode.PR);
		Queued writer = Queued.waiting(2, LockMode.EX);
		Queued reader = Queued.granted(3, LockMode.CR);
		assertThat(QueueRules.blockerOfConversion(List.of(holder, writer, reader), holder, LockMode.PW)).isNull();
	}

	private static ConversionModel.Outcome outcome(List<Queued> queue, Queued entry, LockMode target) {
		if (QueueRules.blockerOfConversion(queue, entry, target) == null) {
			return ConversionModel.Outcome.GRANTED;
		}
		return QueueRules.closesCycle(queue, entry, target) ? ConversionModel.Outcome.DEADLOCK
				: ConversionModel.Outcome.WAITS;
	}

	private static void assertNoConflictingGrants(List<Queued> queue) {
		List<Queued> granted = QueueRules.effective(queue).stream().filter((entry) -> !entry.isWaiting()).toList();
		for (Queued a : granted) {
			for (Queued b : granted) {
				if (a.ticket() < b.ticket()) {
					assertThat(a.granted().isCompatibleWith(b.granted())).as("%s and %s granted in %s", a, b, queue)
						.isTrue();
				}
			}
		}
	}

	private static long nextOrder(List<Queued> queue) {
		return queue.stream().filter(Queued::isConverting).mapToLong(Queued::conversionOrder).max().orElse(0) + 1;
	}

	private static List<Queued> replace(List<Queued> queue, Queued old, Queued replacement) {
		return queue.stream().map((entry) -> (entry.ticket() == old.ticket()) ? replacement : entry).toList();
	}

	private static List<Queued> remove(List<Queued> queue, Queued removed) {
		return queue.stream().filter((entry) -> entry.ticket() != removed.ticket()).toList();
	}

	/** Tickets 1..n in order and conversion orders 1..k in order, so that equal queues compare equal. */
	private static List<Queued> canonical(List<Queued> queue) {
		List<Queued> byTicket = new ArrayList<>(queue);
		byTicket.sort(Comparator.comparingLong(Queued::ticket));
		List<Long> orders = byTicket.stream()
			.filter(Queued::isConverting)
			.map(Queued::conversionOrder)
			.sorted()
			.toList();
		List<Queued> canonical = new ArrayList<>();
		for (int i = 0; i < byTicket.size(); i++) {
			Queued entry = byTicket.get(i);
			long order = entry.isConverting() ? orders.indexOf(entry.conversionOrder()) + 1 : 0;
			canonical.add(new Queued(i + 1, entry.granted(), entry.requested(), order));
		}
		return List.copyOf(canonical);
	}

}
