package dev.dlock.support;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockMode;
import dev.dlock.spi.Queued;
import dev.dlock.spi.Subscription;
import dev.dlock.testing.Threads;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckSettings;
import org.junit.jupiter.api.Test;

/**
 * A backend whose change carries the entry that started to wait hands it to the holders of
 * the lock instead of signalling them ({@link WaitingHandOver#handOverOrSignal}), as the NATS
 * bucket copy does: the signals are taken when the change is applied, the hand-over runs
 * after, while holders open and close their watches on other threads. Lincheck's model
 * checker switches threads at every shared access (the JDK's maps analysed too): a holder
 * watching throughout is told exactly once, never handed the entry and signalled as well (the
 * copy did both before, which fails both cases), and one that stops watching meanwhile at
 * most once. (One that starts watching meanwhile may be handed the entry and also signalled
 * at once for the count it missed: a spurious signal, which the SPI allows.)
 */
class WaitingHandOverInterleavingTests {

	private static final String RESOURCE = "lock";

	private static final Queued WAITING = Queued.waiting(7, LockMode.EX);

	/** As in {@code GrantLossInterleavingTests}: the JDK's code analysed, the scenario small. */
	private static final LincheckSettings SETTINGS = new LincheckSettings(true, 10, 50, 20);

	@Test
	void aHolderWatchingThroughoutIsToldOnceWhileAnotherStartsWatching() {
		Lincheck.runConcurrentTestInternal$lincheck(150, SETTINGS, () -> {
			Watches watches = new Watches();
			Holder throughout = watches.holder();
			Holder joining = new Holder();
			Thread change = new Thread(watches::entryStartedToWait);
			Thread join = new Thread(() -> watches.watch(joining));
			change.start();
			join.start();
			Threads.join(change, join);
			throughout.assertTold(1, "the holder that watched throughout");
		});
	}

	@Test
	void aHolderThatStopsWatchingMeanwhileIsToldAtMostOnceAndTheOtherOnce() {
		Lincheck.runConcurrentTestInternal$lincheck(150, SETTINGS, () -> {
			Watches watches = new Watches();
			Holder leaving = watches.holder();
			Holder staying = watches.holder();
			Thread change = new Thread(watches::entryStartedToWait);
			Thread leave = new Thread(leaving::close);
			change.start();
			leave.start();
			Threads.join(change, leave);
			leaving.assertToldAtMost(1, "the holder that stopped watching meanwhile");
			staying.assertTold(1, "the holder that watched throughout");
		});
	}

	/** A copy's queue watches: change counts and hand-overs, registered as the NATS copy registers them. */
	private static final class Watches {

		private final ResourceChanges<Runnable> changes = new ResourceChanges<>(Runnable::run);

		private final WaitingHandOver handOver = new WaitingHandOver();

		Holder holder() {
			Holder holder = new Holder();
			watch(holder);
			return holder;
		}

		void watch(Holder holder) {
			Subscription handOvers = this.handOver.register(RESOURCE, (waiting) -> holder.told.incrementAndGet());
			Subscription signals = this.changes.watch(RESOURCE, this.changes.count(RESOURCE),
					holder.told::incrementAndGet);
			holder.subscriptions = List.of(signals, handOvers);
		}

		/** The signals taken when the change is applied, then the hand-over, as the copy runs them. */
		void entryStartedToWait() {
			List<Runnable> signals = this.changes.changed(RESOURCE);
			this.handOver.handOverOrSignal(RESOURCE, WAITING, signals);
		}

	}

	/** A holder's watch: how often it was told, by a hand-over or a signal. */
	private static final class Holder {

		final AtomicInteger told = new AtomicInteger();

		volatile List<Subscription> subscriptions = List.of();

		void close() {
			this.subscriptions.forEach(Subscription::close);
		}

		void assertTold(int times, String who) {
			if (this.told.get() != times) {
				throw new AssertionError(who + " was told " + this.told.get() + " times, not " + times);
			}
		}

		void assertToldAtMost(int times, String who) {
			if (this.told.get() > times) {
				throw new AssertionError(who + " was told " + this.told.get() + " times, more than " + times);
			}
		}

	}

}
