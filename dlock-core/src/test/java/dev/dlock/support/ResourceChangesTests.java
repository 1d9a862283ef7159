package dev.dlock.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.spi.Subscription;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rule every backend's wake-ups follow: a change count plus local listeners per
 * resource, and a signal at once for a change the caller missed.
 */
class ResourceChangesTests {

	private final List<Runnable> missed = new ArrayList<>();

	private final ResourceChanges<Runnable> changes = new ResourceChanges<>(this.missed::add);

	@Test
	void aChangeMovesTheCountAndHandsOutTheSignalsOfThatResourceOnly() {
		AtomicInteger signals = new AtomicInteger();
		AtomicInteger others = new AtomicInteger();
		long seen = this.changes.count("a");
		try (Subscription a = this.changes.watch("a", seen, signals::incrementAndGet);
				Subscription b = this.changes.watch("b", this.changes.count("b"), others::incrementAndGet)) {
			List<Runnable> handedOut = this.changes.changed("a");
			assertThat(signals).as("signals run where the caller likes").hasValue(0);
			handedOut.forEach(Runnable::run);
			assertThat(signals).hasValue(1);
			assertThat(others).hasValue(0);
			assertThat(this.changes.count("a")).isNotEqualTo(seen);
			assertThat(this.missed).isEmpty();
		}
	}

	@Test
	void aChangeBetweenTheReadingAndTheRegistrationSignalsAtOnceOnTheExecutor() {
		AtomicInteger signals = new AtomicInteger();
		long seen = this.changes.count("a");
		assertThat(this.changes.changed("a")).as("nobody listens yet").isEmpty();
		try (Subscription subscription = this.changes.watch("a", seen, signals::incrementAndGet)) {
			assertThat(this.missed).hasSize(1);
			assertThat(signals).as("not on the caller's thread").hasValue(0);
			this.missed.forEach(Runnable::run);
			assertThat(signals).hasValue(1);
		}
	}

	@Test
	void noChangeSinceTheReadingMeansNoSignal() {
		this.changes.changed("a");
		try (Subscription subscription = this.changes.watch("a", this.changes.count("a"), () -> {
		})) {
			assertThat(this.missed).isEmpty();
		}
	}

	@Test
	void aChangeCanConcernSomeListenersOnly() {
		List<String> signalled = new ArrayList<>();
		ResourceChanges<Named> named = new ResourceChanges<>(Runnable::run);
		try (Subscription first = named.watch("a", named.count("a"), new Named("first", signalled));
				Subscription second = named.watch("a", named.count("a"), new Named("second", signalled))) {
			named.changed("a", (listener) -> listener.name.equals("second")).forEach(Runnable::run);
			assertThat(signalled).containsExactly("second");
		}
	}

	@Test
	void changingEverythingSignalsEveryListenerAndMovesEveryCount() {
		AtomicInteger signals = new AtomicInteger();
		long seenC = this.changes.count("c");
		try (Subscription a = this.changes.watch("a", this.changes.count("a"), signals::incrementAndGet);
				Subscription b = this.changes.watch("b", this.changes.count("b"), signals::incrementAndGet)) {
			this.changes.changedAll().forEach(Runnable::run);
			assertThat(signals).hasValue(2);
			assertThat(this.changes.count("c")).isNotEqualTo(seenC);
		}
	}

	@Test
	void aClosedRegistrationGetsNoSignalsAlsoFromSignalsHandedOutBefore() {
		AtomicInteger signals = new AtomicInteger();
		Subscription subscription = this.changes.watch("a", this.changes.count("a"), signals::incrementAndGet);
		List<Runnable> handedOut = this.changes.changed("a");
		subscription.close();
		subscription.close();
		handedOut.forEach(Runnable::run);
		this.changes.changed("a").forEach(Runnable::run);
		assertThat(signals).hasValue(0);
		assertThat(this.changes.isWatched()).isFalse();
	}

	@Test
	void theSameListenerMayRegisterTwice() {
		AtomicInteger signals = new AtomicInteger();
		Runnable listener = signals::incrementAndGet;
		try (Subscription first = this.changes.watch("a", this.changes.count("a"), listener);
				Subscription second = this.changes.watch("a", this.changes.count("a"), listener)) {
			first.close();
			assertThat(this.changes.isWatched()).isTrue();
			this.changes.changed("a").forEach(Runnable::run);
			assertThat(signals).hasValue(1);
		}
	}

	@Test
	void aFailingListenerDoesNotKeepTheOthersFromTheirSignals() {
		AtomicInteger signals = new AtomicInteger();
		try (Subscription failing = this.changes.watch("a", this.changes.count("a"), () -> {
			throw new IllegalStateException("listener failed");
		}); Subscription other = this.changes.watch("a", this.changes.count("a"), signals::incrementAndGet)) {
			this.changes.changed("a").forEach(Runnable::run);
			assertThat(signals).hasValue(1);
		}
	}

	private record Named(String name, List<String> signalled) implements Runnable {

		@Override
		public void run() {
			this.signalled.add(this.name);
		}

	}

}
