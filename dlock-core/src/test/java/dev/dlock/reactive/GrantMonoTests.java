package dev.dlock.reactive;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where {@link GrantMono} hands a grant: to the subscriber, or to
 * {@link LockHandle#release()}, whatever the order of grant, request and cancellation.
 */
class GrantMonoTests {

	private static final Duration VERIFY = Duration.ofSeconds(5);

	private final CompletableFuture<LockHandle> pending = new CompletableFuture<>();

	private final StubHandle handle = new StubHandle();

	private final GrantMono grant = new GrantMono(() -> this.pending);

	@Test
	void aGrantBeforeTheRequestWaitsForTheRequest() {
		StepVerifier.create(this.grant, 0)
			.then(() -> this.pending.complete(this.handle))
			.expectNoEvent(Duration.ZERO)
			.thenRequest(1)
			.expectNext(this.handle)
			.expectComplete()
			.verify(VERIFY);
		assertThat(this.handle.releases).hasValue(0);
	}

	@Test
	void aGrantNotYetRequestedIsReleasedOnCancel() {
		StepVerifier.create(this.grant, 0)
			.then(() -> this.pending.complete(this.handle))
			.thenCancel()
			.verify(VERIFY);
		assertThat(this.handle.releases).hasValue(1);
	}

	@Test
	void cancellingWhileWaitingCancelsTheRequest() {
		this.grant.subscribe().dispose();
		assertThat(this.pending).isCancelled();
	}

	@Test
	void aGrantThatArrivesAfterTheCancellationIsReleased() {
		// a future whose grant is already under way, so that it cannot be cancelled any more
		CompletableFuture<LockHandle> granting = new CompletableFuture<>() {

			@Override
			public boolean cancel(boolean mayInterruptIfRunning) {
				return false;
			}

		};
		new GrantMono(() -> granting).subscribe().dispose();
		granting.complete(this.handle);
		assertThat(this.handle.releases).hasValue(1);
	}

	@Test
	void aFailureReachesTheSubscriber() {
		StepVerifier.create(this.grant)
			.then(() -> this.pending
				.completeExceptionally(new LockAcquisitionTimeoutException("k", LockMode.EX, Duration.ZERO)))
			.expectError(LockAcquisitionTimeoutException.class)
			.verify(VERIFY);
	}

	@Test
	void aRequestForNothingFailsTheSubscriptionAndWithdrawsTheRequest() {
		AtomicReference<Subscription> subscribed = new AtomicReference<>();
		AtomicReference<Throwable> failed = new AtomicReference<>();
		this.grant.subscribe(new CoreSubscriber<LockHandle>() {

			@Override
			public void onSubscribe(Subscription subscription) {
				subscribed.set(subscription);
			}

			@Override
			public void onNext(LockHandle handle) {
				throw new AssertionError("no lock expected");
			}

			@Override
			public void onError(Throwable failure) {
				failed.set(failure);
			}

			@Override
			public void onComplete() {
			}

		});
		subscribed.get().request(0);
		assertThat(failed.get()).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("'n' must be positive");
		assertThat(this.pending).isCancelled();
	}

	@Test
	void aSubscriberThatCancelsOnSubscribeNeverStartsTheRequest() {
		new GrantMono(() -> {
			throw new AssertionError("started after the cancellation");
		}).subscribe(new BaseSubscriber<LockHandle>() {

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				subscription.cancel();
			}

			@Override
			protected void hookOnError(Throwable failure) {
				throw new AssertionError("no signal after a cancellation", failure);
			}

		});
	}

}
