package dev.dlock.reactive;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.dlock.LockHandle;
import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link ReactiveLockManager#usingLock} does when the release itself fails: the
 * failure is surfaced (to the subscriber, or to the log after a cancellation), and never hides the work's own failure. (Every
 * backend's behaviour is checked by the conformance kit's reactive checks.)
 */
class ReactiveLockManagerTests {

	private static final Duration VERIFY = Duration.ofSeconds(5);

	private final StubHandle handle = new StubHandle(new IllegalStateException("release failed"));

	private final ReactiveLockManager locks = ReactiveLockManager.of(new GrantingManager(this.handle));

	@Test
	void aFailedReleaseAfterTheWorkCompletedFailsTheResult() {
		StepVerifier.create(this.locks.usingLock("k", LockMode.EX, (held) -> Mono.just("done")))
			.expectNext("done")
			.expectErrorSatisfies((failure) -> assertThat(failure).hasRootCauseMessage("release failed"))
			.verify(VERIFY);
		assertThat(this.handle.releases).hasValue(1);
	}

	@Test
	void aFailedReleaseAfterTheWorkFailedKeepsTheWorksFailureWithTheReleasesSuppressed() {
		StepVerifier
			.create(this.locks.usingLock("k", LockMode.EX,
					(held) -> Mono.error(new IllegalArgumentException("work failed"))))
			.expectErrorSatisfies((failure) -> {
				assertThat(failure).hasMessage("work failed");
				assertThat(failure.getSuppressed()).singleElement()
					.satisfies((suppressed) -> assertThat(suppressed).hasMessage("release failed"));
			})
			.verify(VERIFY);
		assertThat(this.handle.releases).hasValue(1);
	}

	@Test
	void aFailedReleaseAfterACancellationIsLoggedAsAWarning() {
		Logger logger = (Logger) LoggerFactory.getLogger(DefaultReactiveLockManager.class);
		ListAppender<ILoggingEvent> logged = new ListAppender<>();
		logged.start();
		logger.addAppender(logged);
		try {
			this.locks.usingLock("k", LockMode.EX, (held) -> Mono.never()).subscribe().dispose();
		}
		finally {
			logger.detachAppender(logged);
		}
		assertThat(this.handle.releases).hasValue(1);
		assertThat(logged.list).singleElement().satisfies((event) -> {
			assertThat(event.getLevel()).isEqualTo(Level.WARN);
			assertThat(event.getFormattedMessage()).contains("'k'").contains("EX");
			assertThat(event.getThrowableProxy().getMessage()).isEqualTo("release failed");
		});
	}

	/** A manager whose every asynchronous request is granted at once with the one handle. */
	private record GrantingManager(LockHandle handle) implements LockManager {

		@Override
		public LockHandle acquire(String key, LockMode mode, LockOptions options) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Optional<LockHandle> tryAcquire(String key, LockMode mode, LockOptions options) {
			throw new UnsupportedOperationException();
		}

		@Override
		public CompletableFuture<LockHandle> acquireAsync(String key, LockMode mode, LockOptions options) {
			return CompletableFuture.completedFuture(this.handle);
		}

		@Override
		public List<LockInfo> locks() {
			return List.of();
		}

		@Override
		public void close() {
		}

	}

}
