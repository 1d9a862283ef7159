package dev.dlock.backend.etcd;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import io.etcd.jetcd.ByteSequence;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session's slots ({@link EntrySlots}) when an enqueue's reply, the removal of its request
 * and another request of the same key run on three threads at once. Each call on the slots
 * holds their monitor, so every execution is one order of the threads' calls: the test runs
 * every such order, each on fresh slots, and checks after each that no request takes the slot
 * of an enqueue that may still be applied, that no entry is kept on a freed slot, that two
 * live requests never share a slot, and that after the engine's second removal nothing of the
 * request is left.
 */
class EntrySlotsInterleavingTests {

	@Test
	void everyOrderOfAnEnqueueReplyARemovalAndAnotherRequestKeepsTheSlotsConsistent() {
		List<String> failures = new ArrayList<>();
		int orders = 0;
		for (List<Integer> order : orders(List.of(2, 3, 1))) {
			orders++;
			Run run = new Run();
			int[] next = new int[3];
			for (int thread : order) {
				run.threads.get(thread).get(next[thread]++).accept(run);
			}
			String failure = run.check();
			if (failure != null) {
				failures.add(order + ": " + failure);
			}
		}
		assertThat(orders).isEqualTo(60);
		assertThat(failures).isEmpty();
	}

	/**
	 * Three requests whose lock keys share one chain of the slots' table ({@code "Aa"} and
	 * {@code "BB"} have equal hash codes; two requests on {@code "Aa"}), each claimed, answered,
	 * created and gone on a thread of its own, in every order: after every step each request
	 * still claimed is found with its own claim, the two on one key never share a slot, and at
	 * the end nothing is left.
	 */
	@Test
	void everyOrderOfRequestsWhoseKeysShareAChainKeepsEachClaimFound() {
		List<String> failures = new ArrayList<>();
		int orders = 0;
		for (List<Integer> order : orders(List.of(4, 4, 4))) {
			orders++;
			EntrySlots slots = new EntrySlots(new EtcdLayout("dlock/"));
			List<AcquireRequest> requests = List.of(new AcquireRequest("Aa", LockMode.EX, "first", true),
					new AcquireRequest("BB", LockMode.EX, "second", true),
					new AcquireRequest("Aa", LockMode.EX, "third", true));
			EtcdQueueEntry[] claims = new EtcdQueueEntry[3];
			int[] next = new int[3];
			String failure = null;
			for (int thread : order) {
				AcquireRequest request = requests.get(thread);
				switch (next[thread]++) {
					case 0 -> claims[thread] = slots.claim(request);
					case 1 -> slots.answered(request);
					case 2 -> slots.created(claims[thread].created(thread + 1, new SessionLease(1, Long.MAX_VALUE),
							EtcdQueueEntry.Observation.GRANTED, 0));
					default -> slots.gone(claims[thread]);
				}
				for (int other = 0; other < 3 && failure == null; other++) {
					boolean claimed = next[other] >= 1 && next[other] <= 3;
					if (claimed && slots.claimOf(requests.get(other)) != claims[other]) {
						failure = "request " + other + " lost its claim after a step of request " + thread;
					}
				}
				if (failure == null && next[0] >= 1 && next[0] <= 3 && next[2] >= 1 && next[2] <= 3
						&& claims[0].key().equals(claims[2].key())) {
					failure = "two live requests on one key have one slot";
				}
			}
			boolean left = !slots.entries().isEmpty()
					|| requests.stream().anyMatch((request) -> slots.claimOf(request) != null);
			if (failure == null && left) {
				failure = "a claim or an entry is left after every request was gone";
			}
			if (failure != null) {
				failures.add(order + ": " + failure);
			}
		}
		assertThat(orders).isEqualTo(34_650);
		assertThat(failures).isEmpty();
	}

	/** Every merge of threads with the given numbers of steps, as the sequence of thread indexes. */
	private static List<List<Integer>> orders(List<Integer> steps) {
		List<List<Integer>> orders = new ArrayList<>();
		merge(new ArrayList<>(steps), new ArrayList<>(), orders);
		return orders;
	}

	private static void merge(List<Integer> left, List<Integer> prefix, List<List<Integer>> orders) {
		boolean done = true;
		for (int thread = 0; thread < left.size(); thread++) {
			if (left.get(thread) > 0) {
				done = false;
				left.set(thread, left.get(thread) - 1);
				prefix.add(thread);
				merge(left, prefix, orders);
				prefix.remove(prefix.size() - 1);
				left.set(thread, left.get(thread) + 1);
			}
		}
		if (done) {
			orders.add(List.copyOf(prefix));
		}
	}

	/** One execution: fresh slots, the request whose enqueue was sent, and the threads' steps. */
	private static final class Run {

		final EntrySlots slots = new EntrySlots(new EtcdLayout("dlock/"));

		final AcquireRequest withdrawn = request("withdrawn");

		final AcquireRequest other = request("other");

		final EtcdQueueEntry claim = this.slots.claim(this.withdrawn);

		final ByteSequence claimKey = this.claim.key();

		@Nullable EtcdQueueEntry known;

		boolean unanswered;

		boolean answered;

		@Nullable ByteSequence otherKey;

		/** Whether the other request took the slot while the enqueue of it might still be applied. */
		boolean slotTakenUnderTheEnqueue;

		final List<List<Consumer<Run>>> threads = List.of(
				// the enqueue's reply, as EtcdLockSession#enqueueTxn takes it
				List.of((run) -> {
					run.slots.answered(run.withdrawn);
					run.answered = true;
				},
						(run) -> run.slots.created(run.claim.created(3, new SessionLease(1, Long.MAX_VALUE),
								EtcdQueueEntry.Observation.GRANTED, 0))),
				// the engine withdraws the request meanwhile, as EtcdLockSession#remove does
				List.of((run) -> run.known = run.slots.entryOf(run.withdrawn),
						(run) -> run.unanswered = run.known == null && run.slots.isUnanswered(run.withdrawn),
						(run) -> run.removeAsSeen()),
				// another request of the same key
				List.of((run) -> {
					run.otherKey = run.slots.claim(run.other).key();
					run.slotTakenUnderTheEnqueue = !run.answered && run.otherKey.equals(run.claimKey);
				}));

		/** The removal's last step, on what its earlier steps saw. */
		void removeAsSeen() {
			if (this.known != null) {
				this.slots.gone(this.known);
			}
			else if (!this.unanswered) {
				this.slots.free(this.withdrawn);
			}
		}

		@Nullable String check() {
			if (this.slotTakenUnderTheEnqueue) {
				return "another request took the slot of an enqueue that may still be applied";
			}
			if (this.slots.claimOf(this.withdrawn) == null && !this.slots.entries().isEmpty()) {
				return "an entry is kept on a slot that was freed";
			}
			EtcdQueueEntry withdrawnClaim = this.slots.claimOf(this.withdrawn);
			if (withdrawnClaim != null && withdrawnClaim.key().equals(this.otherKey)) {
				return "two live requests have one slot";
			}
			// the engine removes the request again once its enqueue was answered
			this.known = this.slots.entryOf(this.withdrawn);
			this.unanswered = false;
			removeAsSeen();
			if (this.slots.claimOf(this.withdrawn) != null || !this.slots.entries().isEmpty()) {
				return "the request's slot or entry is left after both removals";
			}
			if (!this.slots.claimOf(this.other).key().equals(this.otherKey)) {
				return "the other request lost its slot";
			}
			return null;
		}

	}

	private static AcquireRequest request(String owner) {
		return new AcquireRequest("k", LockMode.EX, owner, true);
	}

}
