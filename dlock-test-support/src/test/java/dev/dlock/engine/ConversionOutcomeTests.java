package dev.dlock.engine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.tck.ForwardingLockBackend;
import dev.dlock.tck.ForwardingLockSession;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The two ends of a conversion that are not its old mode: what the handle claims must
 * never be more than the server holds for it, nor less than what others are kept from.
 */
class ConversionOutcomeTests {

	private final InMemoryLockBackend memory = InMemoryLockBackend.create();

	private @Nullable Runnable beforeCancel;

	private boolean loseDownConversionReplies;

	/** Withdrawals reach the server once it completes. */
	private CompletableFuture<Void> cancelGate = CompletableFuture.completedFuture(null);

	private final LockManager managed = LockManagerBuilder.forBackend(new Steered(this.memory)).build();

	private final LockManager other = LockManagerBuilder.forBackend(this.memory).build();

	@AfterEach
	void close() {
		this.managed.close();
		this.other.close();
		this.memory.close();
	}

	@Test
	void aConversionBetweenIncomparableModesGrantedAsItIsGivenUpEndsInTheModeBothCover() throws Exception {
		String key = "incomparable";
		LockHandle converting = this.managed.acquire(key, LockMode.PR, Duration.ofSeconds(5));
		LockHandle reader = this.other.acquire(key, LockMode.PR, Duration.ofSeconds(5));
		// as the conversion is given up, the reader leaves and a poll grants it on the server
		this.beforeCancel = reader::release;
		assertThatExceptionOfType(LockAcquisitionTimeoutException.class)
			.isThrownBy(() -> converting.convert(LockMode.CW, Duration.ofMillis(200)));
		// PR cannot be taken back from CW without a check: the handle and the server end in CR,
		// which both cover, and the handle claimed no more than CR while it converted
		await().atMost(Duration.ofSeconds(5)).until(() -> converting.mode() == LockMode.CR);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.other.tryAcquire(key, LockMode.PW).map((granted) -> {
			granted.release();
			return true; // PW fits next to CR only: the server holds neither PR nor CW
		}).orElse(false));
		assertThat(this.other.tryAcquire(key, LockMode.EX)).as("EX next to CR").isEmpty();
		converting.release();
	}

	@Test
	void aDownConversionWhoseReplyIsLostLeavesTheHandleClaimingTheWeakerModeOnly() throws Exception {
		String key = "down";
		LockHandle writer = this.managed.acquire(key, LockMode.EX, Duration.ofSeconds(5));
		this.loseDownConversionReplies = true;
		assertThatExceptionOfType(LockBackendException.class)
			.isThrownBy(() -> writer.convert(LockMode.PR, Duration.ofSeconds(5)));
		assertThat(writer.mode()).isEqualTo(LockMode.PR);
		// the server did convert: readers get in next to it
		assertThat(this.other.tryAcquire(key, LockMode.PR)).isPresent().get().satisfies(LockHandle::release);
		writer.release();
	}

	@Test
	void aDownConversionWhoseWaitEndsBeforeItIsSentStillShowsAndReachesTheWeakerMode() throws Exception {
		String key = "down-behind-withdrawal";
		LockHandle converting = this.managed.acquire(key, LockMode.PR, Duration.ofSeconds(5));
		LockHandle reader = this.other.acquire(key, LockMode.PR, Duration.ofSeconds(5));
		CompletableFuture<Void> withdrawals = new CompletableFuture<>();
		this.cancelGate = withdrawals;
		CompletableFuture<LockHandle> upgrade = converting.convertAsync(LockMode.EX,
				LockOptions.waitTime(Duration.ofSeconds(5)));
		upgrade.cancel(true); // its withdrawal now waits for the gate
		// the down-conversion waits for that withdrawal, and its own wait ends first
		CompletableFuture<Void> down = CompletableFuture.runAsync(() -> {
			try {
				converting.convert(LockMode.CR, Duration.ofMillis(200));
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		});
		await().atMost(Duration.ofSeconds(5)).until(down::isDone);
		assertThat(down).isCompletedExceptionally();
		assertThat(converting.mode()).as("a down-conversion shows from the moment it is asked for")
			.isEqualTo(LockMode.CR);
		withdrawals.complete(null);
		reader.release();
		// the server comes down to CR too: a PW writer fits next to it
		await().atMost(Duration.ofSeconds(5)).until(() -> this.other.tryAcquire(key, LockMode.PW).map((granted) -> {
			granted.release();
			return true;
		}).orElse(false));
		converting.release();
	}

	/** The memory backend, with hooks at the moments these tests steer. */
	private final class Steered extends ForwardingLockBackend {

		Steered(LockBackend delegate) {
			super(delegate);
		}

		@Override
		public LockSession openSession(Duration leaseTime) {
			return new ForwardingLockSession(delegate().openSession(leaseTime)) {

				@Override
				public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
					CompletableFuture<QueueState> reply = delegate().convert(entry, mode, waitIfBusy);
					if (ConversionOutcomeTests.this.loseDownConversionReplies && mode == LockMode.PR) {
						return reply.thenCompose((applied) -> CompletableFuture
							.failedFuture(new LockBackendException("reply lost", null)));
					}
					return reply;
				}

				@Override
				public CompletableFuture<@Nullable LockMode> cancelConversion(QueueEntry entry, LockMode heldMode) {
					Runnable hook = ConversionOutcomeTests.this.beforeCancel;
					if (hook != null) {
						hook.run();
						delegate().poll(entry).join();
					}
					return ConversionOutcomeTests.this.cancelGate
						.thenCompose((open) -> delegate().cancelConversion(entry, heldMode));
				}

			};
		}

	}

}
