package dev.dlock.backend.redis;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.Subscription;
import dev.dlock.spi.Queued;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How wake-up messages reach local waiters: which waiters a message concerns. The rule
 * that no change between a poll and a registration is lost is tested once, in
 * {@code ResourceChangesTests}.
 */
class ChangeNotifierTests {

	private final ChangeNotifier notifier = new ChangeNotifier("dlock:changes", Runnable::run);

	private final String key = "k-" + UUID.randomUUID();

	private final RedisResource resource = RedisResource.of("dlock:", this.key);

	@Test
	void waiterIsSignalledOnlyWhenTheEntryItWaitsForLeaves() {
		RedisQueueEntry entry = waiting(20, 12);
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = watch(entry, signals::incrementAndGet)) {
			this.notifier.message("dlock:changes", this.resource.id() + " 11");
			assertThat(signals).hasValue(0);
			this.notifier.message("dlock:changes", this.resource.id() + " 10 12");
			assertThat(signals).hasValue(1);
		}
	}

	@Test
	void waiterAnnouncedAsGrantedIsMarkedAndSignalled() {
		RedisQueueEntry entry = waiting(20, 12);
		RedisQueueEntry other = waiting(21, 20);
		AtomicInteger signals = new AtomicInteger();
		AtomicInteger otherSignals = new AtomicInteger();
		try (Subscription subscription = watch(entry, signals::incrementAndGet);
				Subscription second = watch(other, otherSignals::incrementAndGet)) {
			this.notifier.message("dlock:changes", this.resource.id() + " 5 +20");
			assertThat(signals).hasValue(1);
			assertThat(entry.isGrantAnnounced()).isTrue();
			assertThat(otherSignals).hasValue(0);
			assertThat(other.isGrantAnnounced()).isFalse();
		}
	}

	@Test
	void messageWithoutTicketsWakesEveryWaiterOfTheResource() {
		AtomicInteger signals = new AtomicInteger();
		try (Subscription first = watch(waiting(20, 12), signals::incrementAndGet);
				Subscription second = watch(waiting(21, 20), signals::incrementAndGet)) {
			this.notifier.message("dlock:changes", this.resource.id());
			assertThat(signals).hasValue(2);
		}
	}

	@Test
	void messagesForOtherResourcesAndChannelsAreIgnored() {
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = watch(waiting(20, 12), signals::incrementAndGet)) {
			this.notifier.message("dlock:changes", RedisResource.of("dlock:", this.key + "x").id() + " 12");
			this.notifier.message("other", this.resource.id() + " 12");
			assertThat(signals).hasValue(0);
		}
	}

	@Test
	void onlyAResubscriptionWakesEveryWaiter() {
		AtomicInteger signals = new AtomicInteger();
		try (Subscription subscription = watch(waiting(20, 12), signals::incrementAndGet)) {
			this.notifier.subscribed("dlock:changes", 1);
			assertThat(signals).hasValue(0);
			this.notifier.subscribed("dlock:changes", 1);
			assertThat(signals).hasValue(1);
		}
	}

	@Test
	void aRequestThatStartsToWaitIsHandedToTheQueueWatchersOfItsLockAndWakesNoWaiter() {
		AtomicInteger waiterSignals = new AtomicInteger();
		List<Queued> handed = new CopyOnWriteArrayList<>();
		AtomicInteger otherLockSignals = new AtomicInteger();
		String otherLock = RedisResource.of("dlock:", this.key + "x").id();
		long changes = this.notifier.changes(this.resource.id());
		try (Subscription waiter = watch(waiting(20, 12), waiterSignals::incrementAndGet);
				Subscription queue = this.notifier.watchQueue(this.resource.id(), () -> {
				}, handed::add);
				Subscription other = this.notifier.watchQueue(otherLock, otherLockSignals::incrementAndGet,
						(waiting) -> otherLockSignals.incrementAndGet())) {
			this.notifier.message("dlock:changes", this.resource.id() + " ?12 EX");
			this.notifier.message("dlock:changes", this.resource.id() + " ?9 PR PW 3");
			assertThat(handed).containsExactly(Queued.waiting(12, LockMode.EX),
					Queued.converting(9, LockMode.PR, LockMode.PW, 3));
			assertThat(waiterSignals).hasValue(0);
			assertThat(otherLockSignals).hasValue(0);
			assertThat(this.notifier.changes(this.resource.id())).as("a waiter's change count").isEqualTo(changes);
			this.notifier.message("dlock:changes", this.resource.id() + " 12");
			assertThat(handed).as("a departure concerns no queue watcher").hasSize(2);
		}
	}

	@Test
	void aMessageThatNamesOnlyATicketSignalsTheQueueWatchers() {
		AtomicInteger signals = new AtomicInteger();
		try (Subscription queue = this.notifier.watchQueue(this.resource.id(), signals::incrementAndGet,
				(waiting) -> {
					throw new AssertionError("nothing to hand over");
				})) {
			this.notifier.message("dlock:changes", this.resource.id() + " ?12");
			assertThat(signals).hasValue(1);
		}
	}

	@Test
	void aResubscriptionSignalsQueueWatchersAndAClosedWatchIsNotSignalled() {
		AtomicInteger signals = new AtomicInteger();
		Subscription closed = this.notifier.watchQueue(this.resource.id(), signals::incrementAndGet,
				(waiting) -> signals.incrementAndGet());
		closed.close();
		try (Subscription queue = this.notifier.watchQueue(this.resource.id(), signals::incrementAndGet,
				(waiting) -> signals.incrementAndGet())) {
			this.notifier.subscribed("dlock:changes", 1);
			this.notifier.subscribed("dlock:changes", 1);
			assertThat(signals).hasValue(1);
		}
	}

	private Subscription watch(RedisQueueEntry entry, Runnable onChange) {
		return this.notifier.watch(entry, this.resource.id(), onChange);
	}

	private RedisQueueEntry waiting(long ticket, long blocker) {
		AcquireRequest request = new AcquireRequest(this.key, LockMode.EX, UUID.randomUUID().toString(), true);
		RedisQueueEntry entry = new RedisQueueEntry(request, "dlock:", ticket);
		entry.observed(blocker, this.notifier.changes(this.resource.id()));
		return entry;
	}

}
