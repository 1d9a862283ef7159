package dev.dlock.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.dlock.LockBackendException;
import dev.dlock.LockHandle;
import dev.dlock.LockLostException;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.tck.ForwardingLockBackend;
import dev.dlock.tck.ForwardingLockSession;
import dev.dlock.tck.ManualTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * How the engine writes a value block (DESIGN.md §12): before the removal or the
 * conversion out of {@code PW} and {@code EX}, again after a lost reply, never by a holder
 * whose entry is gone, and without a later request of the same manager queueing behind the
 * entry on its way out. Each check records the calls a memory backend receives and
 * delays or fails some of them.
 */
class ValueWriteTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private final InMemoryLockBackend memory = InMemoryLockBackend.create();

	private final List<String> calls = new CopyOnWriteArrayList<>();

	/** Fails the next N writes: after applying them when {@link #applyFailedWrites}. */
	private final AtomicInteger failWrites = new AtomicInteger();

	private volatile boolean applyFailedWrites;

	private volatile boolean failRenewals;

	/** Completes each write only when the test says so, while set. */
	private volatile CompletableFuture<Void> writeGate = CompletableFuture.completedFuture(null);

	private final LockManager manager = LockManagerBuilder.forBackend(new Recording()).build();

	private final LockManager other = LockManagerBuilder.forBackend(this.memory).build();

	@AfterEach
	void close() {
		this.manager.close();
		this.other.close();
		this.memory.close();
	}

	@Test
	void aReleaseWritesTheValueBeforeItRemovesTheEntry() throws Exception {
		LockHandle writer = this.manager.acquire("written", LockMode.EX, WAIT);
		writer.setValue(bytes("v1"));
		writer.release();
		await().atMost(WAIT).until(() -> this.calls.contains("remove"));
		assertThat(this.calls).containsSubsequence("writeValue", "remove").doesNotContain("readValue");
		try (LockHandle reader = this.other.acquire("written", LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(new LockValue(bytes("v1"), writer.fencingToken(), true));
		}
	}

	@Test
	void aReleaseWithoutAValueWritesNothing() throws Exception {
		this.manager.acquire("unwritten", LockMode.EX, WAIT).release();
		await().atMost(WAIT).until(() -> this.calls.contains("remove"));
		assertThat(this.calls).doesNotContain("writeValue");
	}

	@Test
	void aWriteWhoseReplyWasLostIsSentAgainBeforeTheRemoval() throws Exception {
		this.applyFailedWrites = true;
		this.failWrites.set(1);
		LockHandle writer = this.manager.acquire("retried", LockMode.PW, WAIT);
		writer.setValue(bytes("v1"));
		writer.release();
		await().atMost(WAIT).until(() -> this.calls.contains("remove"));
		assertThat(this.calls).containsSubsequence("writeValue", "writeValue", "remove");
		try (LockHandle reader = this.other.acquire("retried", LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(new LockValue(bytes("v1"), writer.fencingToken(), true));
		}
	}

	@Test
	void aWriteThatFailsIsRetriedAndTheEntryRemovedAfterIt() throws Exception {
		this.failWrites.set(2);
		LockHandle writer = this.manager.acquire("failing", LockMode.EX, WAIT);
		writer.setValue(bytes("v1"));
		writer.release();
		await().atMost(WAIT).until(() -> this.calls.contains("remove"));
		assertThat(this.calls).containsSubsequence("writeValue", "writeValue", "writeValue", "remove");
		try (LockHandle reader = this.other.acquire("failing", LockMode.PR, WAIT)) {
			assertThat(reader.value().bytes()).isEqualTo(bytes("v1"));
		}
	}

	@Test
	void aRequestOfTheSameManagerDoesNotQueueBehindAnEntryWhoseValueIsBeingWritten() throws Exception {
		LockHandle writer = this.manager.acquire("busy", LockMode.EX, WAIT);
		writer.setValue(bytes("v1"));
		this.writeGate = new CompletableFuture<>();
		writer.release();
		CompletableFuture<Void> opened = this.writeGate;
		CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> opened.complete(null));
		// without waiting for the write and removal, this try would find its own EX entry
		try (LockHandle next = this.manager.tryAcquire("busy", LockMode.EX).orElseThrow()) {
			assertThat(next.value().bytes()).isEqualTo(bytes("v1"));
		}
	}

	@Test
	void aDownConversionWritesTheValueBeforeItConverts() throws Exception {
		LockHandle writer = this.manager.acquire("converted", LockMode.EX, WAIT);
		writer.setValue(bytes("v1"));
		writer.convert(LockMode.PR, WAIT);
		assertThat(this.calls).containsSubsequence("writeValue", "convert");
		assertThat(this.calls.stream().filter("writeValue"::equals)).hasSize(1);
		writer.release();
		await().atMost(WAIT).until(() -> this.calls.contains("remove"));
		assertThat(this.calls.stream().filter("writeValue"::equals)).as("written once, at the conversion").hasSize(1);
	}

	@Test
	void anUpConversionKeepsTheValueForTheRelease() throws Exception {
		LockHandle writer = this.manager.acquire("raised", LockMode.PW, WAIT);
		writer.setValue(bytes("v1"));
		writer.convert(LockMode.EX, WAIT);
		assertThat(this.calls).doesNotContain("writeValue");
		assertThat(writer.value()).isEqualTo(new LockValue(bytes("v1"), writer.fencingToken(), true));
		writer.release();
		try (LockHandle reader = this.other.acquire("raised", LockMode.PR, WAIT)) {
			assertThat(reader.value()).as("written with the token of EX")
				.isEqualTo(new LockValue(bytes("v1"), writer.fencingToken(), true));
		}
	}

	@Test
	void aValueIsReadOncePerGrantAndModeAndAgainAfterAConversion() throws Exception {
		LockHandle reader = this.manager.acquire("read", LockMode.CR, WAIT);
		reader.value();
		reader.value();
		assertThat(this.calls.stream().filter("readValue"::equals)).hasSize(1);
		reader.convert(LockMode.PR, WAIT);
		reader.value();
		assertThat(this.calls.stream().filter("readValue"::equals)).hasSize(2);
		reader.release();
	}

	@Test
	void aHolderWhoseEntryIsGoneReadsNothingAndLosesTheLock() throws Exception {
		ManualTime serverTime = new ManualTime();
		try (InMemoryLockBackend server = InMemoryLockBackend.builder().timeSource(serverTime).build();
				LockManager holding = LockManagerBuilder.forBackend(server).leaseTime(Duration.ofSeconds(30)).build()) {
			LockHandle holder = holding.acquire("gone", LockMode.PR, WAIT);
			// the entry expired on the server before the manager noticed
			serverTime.advance(Duration.ofMinutes(1));
			assertThatExceptionOfType(LockLostException.class).isThrownBy(holder::value)
				.withMessageContaining("no longer on the server");
		}
	}

	@Test
	void aWriterTheManagerLostIsRemovedWithItsValueMarkedInvalid() throws Exception {
		LockValue written;
		try (LockHandle first = this.other.acquire("lost", LockMode.EX, WAIT)) {
			first.setValue(bytes("v1"));
			written = new LockValue(bytes("v1"), first.fencingToken(), true);
		}
		ManualTime managerTime = new ManualTime();
		this.failRenewals = true;
		try (LockManager losing = LockManagerBuilder.forBackend(new Recording())
			.timeSource(managerTime)
			.leaseTime(Duration.ofSeconds(30))
			.build()) {
			LockHandle writer = losing.acquire("lost", LockMode.PW, WAIT);
			// no renewal gets through: the manager can no longer prove the lease, while the
			// entry still lives on the server; the holder may have changed the data halfway
			managerTime.advance(Duration.ofSeconds(31));
			assertThat(writer.isValid()).isFalse();
			writer.release();
			await().atMost(WAIT).until(() -> this.calls.contains("remove"));
		}
		try (LockHandle reader = this.other.acquire("lost", LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(new LockValue(written.bytes(), written.version(), false));
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	/** The memory backend, recording the calls of its sessions and failing or holding writes. */
	private final class Recording extends ForwardingLockBackend {

		Recording() {
			super(ValueWriteTests.this.memory);
		}

		@Override
		public LockSession openSession(Duration leaseTime) {
			return new ForwardingLockSession(delegate().openSession(leaseTime)) {

				@Override
				public CompletableFuture<Boolean> writeValue(QueueEntry entry, LockValue value) {
					ValueWriteTests.this.calls.add("writeValue");
					if (ValueWriteTests.this.failWrites.getAndUpdate((n) -> Math.max(n - 1, 0)) > 0) {
						if (ValueWriteTests.this.applyFailedWrites) {
							super.writeValue(entry, value);
						}
						return CompletableFuture.failedFuture(new LockBackendException("write failed", null));
					}
					return ValueWriteTests.this.writeGate.thenCompose((open) -> super.writeValue(entry, value));
				}

				@Override
				public CompletableFuture<LockValue> readValue(QueueEntry entry) {
					ValueWriteTests.this.calls.add("readValue");
					return super.readValue(entry);
				}

				@Override
				public CompletableFuture<Set<QueueEntry>> renew(Collection<QueueEntry> entries) {
					if (ValueWriteTests.this.failRenewals) {
						return CompletableFuture.failedFuture(new LockBackendException("renewal failed", null));
					}
					return super.renew(entries);
				}

				@Override
				public CompletableFuture<Void> remove(AcquireRequest request) {
					ValueWriteTests.this.calls.add("remove");
					return super.remove(request);
				}

				@Override
				public CompletableFuture<QueueState> convert(QueueEntry entry, LockMode mode, boolean waitIfBusy) {
					ValueWriteTests.this.calls.add("convert");
					return super.convert(entry, mode, waitIfBusy);
				}

			};
		}

	}

}
