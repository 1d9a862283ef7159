package dev.dlock.backend.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState.Status;
import dev.dlock.testserver.EtcdServer;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.dlock.backend.etcd.EtcdTestSupport.LEASE;
import static dev.dlock.backend.etcd.EtcdTestSupport.bytes;
import static dev.dlock.backend.etcd.EtcdTestSupport.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Value blocks on etcd (DESIGN.md §12) where the conformance kit cannot look: every value
 * and writer mark lives under a lease no longer than the retention and a quarter, a holder
 * whose session lease ends leaves the value invalid, value and mark keys never show in a
 * queue, and a value write that comes after its entry is gone or out of the writing modes
 * writes nothing.
 */
class EtcdValueBlocksIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Duration RETENTION = Duration.ofHours(1);

	private final EtcdTestSupport support = new EtcdTestSupport();

	private final Client raw = this.support.client(endpoint());

	@AfterEach
	void closeResources() {
		this.support.close();
	}

	private static String endpoint() {
		return EtcdServer.shared().endpoint();
	}

	@Test
	void valuesAndMarksLiveUnderALeaseOfAtMostTheRetentionAndAQuarter() throws Exception {
		LockManager manager = manager(backend());
		String key = newKey();
		try (LockHandle writer = manager.acquire(key, LockMode.EX, WAIT)) {
			writer.setValue(text("kept for an hour"));
			assertThat(keysUnder(".writers/")).hasSize(1);
			assertUnderRetentionLease(keysUnder(".writers/"));
		}
		// the release writes and removes in the background
		await().atMost(WAIT).untilAsserted(() -> assertThat(keysUnder(".writers/")).isEmpty());
		List<KeyValue> values = keysUnder(".value/");
		assertThat(values).hasSize(1);
		assertUnderRetentionLease(values);
		// nothing under the prefix is kept forever
		assertThat(this.raw.getKVClient()
			.get(bytes(this.support.keyPrefix), GetOption.builder().isPrefix(true).build())
			.get()
			.getKvs()).extracting(KeyValue::getLease).doesNotContain(0L);
	}

	@Test
	void theValueRetentionIsAtLeastAnHour() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> EtcdLockBackend.builder(this.raw).valueRetention(Duration.ofMinutes(59)))
			.withMessageContaining("valueRetention");
	}

	@Test
	void aHolderWhoseSessionLeaseEndsLeavesTheValueInvalidUntilTheNextWrite() throws Exception {
		String key = newKey();
		LockValue first = write(key, "before");
		LockHandle writer = manager(backend()).acquire(key, LockMode.EX, WAIT);
		writer.setValue(text("never written"));
		this.raw.getLeaseClient().revoke(onlyEntry().getLease()).get();
		try (LockHandle reader = manager(backend()).acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(new LockValue(first.bytes(), first.version(), false));
		}
		LockValue next = write(key, "after");
		// the write deleted the dead mark, the release the writer's own
		await().atMost(WAIT).untilAsserted(() -> assertThat(keysUnder(".writers/")).isEmpty());
		try (LockHandle reader = manager(backend()).acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(next);
		}
	}

	@Test
	void aLostWritersMarkIsKeptWhenItsSessionUsesTheEntryKeyAgain() throws Exception {
		LockSession session = this.support.register(backend().openSession(LEASE));
		String key = newKey();
		EnqueueResult lost = session.enqueue(request(key, LockMode.EX, true)).join();
		this.raw.getLeaseClient().revoke(onlyEntry().getLease()).get();
		assertThat(session.renew(List.of(lost.entry())).join()).containsExactly(lost.entry());
		// a fresh session lease, and the same slot: the same entry key and mark key
		EnqueueResult again = session.enqueue(request(key, LockMode.EX, true)).join();
		assertThat(((EtcdQueueEntry) again.entry()).key()).isEqualTo(((EtcdQueueEntry) lost.entry()).key());
		session.remove(again.entry().request()).join();
		try (LockHandle reader = manager(backend()).acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(new LockValue(new byte[0], 0, false));
		}
	}

	@Test
	void aReaderWhoseSessionLeaseEndsLeavesTheValueValid() throws Exception {
		String key = newKey();
		LockValue first = write(key, "kept");
		manager(backend()).acquire(key, LockMode.PR, WAIT);
		this.raw.getLeaseClient().revoke(onlyEntry().getLease()).get();
		try (LockHandle reader = manager(backend()).acquire(key, LockMode.EX, WAIT)) {
			assertThat(reader.value()).isEqualTo(first);
		}
	}

	@Test
	void valueAndMarkKeysNeverShowInAQueue() throws Exception {
		EtcdLockBackend backend = backend();
		String base = newKey();
		for (String key : List.of(".writers", ".value", ".value/" + base, base + "/.writers/x", "/", base)) {
			write(backend, key, "value of " + key);
			// the release writes the value, then removes the entry, in the background
			await().atMost(WAIT).until(() -> this.support.entries(this.raw).isEmpty());
			LockSession session = this.support.register(backend.openSession(LEASE));
			EnqueueResult holding = session.enqueue(request(key, LockMode.EX, false)).join();
			assertThat(holding.state().status()).as(key).isEqualTo(Status.GRANTED);
			// the holder's mark is there too
			assertThat(session.queue(holding.entry()).join()).as(key).hasSize(1);
			assertThat(session.readValue(holding.entry()).join().bytes()).isEqualTo(text("value of " + key));
			session.remove(holding.entry().request()).join();
		}
	}

	@Test
	void aValueWriteAfterTheEntryWasRemovedOrLeftTheWritingModesWritesNothing() throws Exception {
		LockSession session = this.support.register(backend().openSession(LEASE));
		String key = newKey();
		EnqueueResult writer = session.enqueue(request(key, LockMode.EX, true)).join();
		LockValue first = new LockValue(text("first"), writer.entry().ticket(), true);
		assertThat(session.writeValue(writer.entry(), first).join()).isTrue();
		// written again after a lost reply: the same
		assertThat(session.writeValue(writer.entry(), first).join()).isTrue();
		assertThat(session.convert(writer.entry(), LockMode.PR, false).join().status()).isEqualTo(Status.GRANTED);
		assertThat(session.writeValue(writer.entry(), new LockValue(text("late"), 1, true)).join()).isFalse();
		session.remove(writer.entry().request()).join();
		assertThat(session.writeValue(writer.entry(), new LockValue(text("later"), 1, true)).join()).isFalse();
		try (LockHandle reader = manager(backend()).acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(first);
		}
		assertThat(keysUnder(".writers/")).isEmpty();
	}

	@Test
	void anEnqueueWhoseReplyIsLostLeavesNoMarkOnceWithdrawn() throws Exception {
		HoldingClient holding = new HoldingClient(this.support.client(endpoint()));
		LockSession session = this.support.register(EtcdLockBackend.builder(holding.client())
			.keyPrefix(this.support.keyPrefix)
			.valueRetention(RETENTION)
			.build()
			.openSession(LEASE));
		String key = newKey();
		holding.holdNextTransaction();
		CompletableFuture<EnqueueResult> enqueue = session.enqueue(request(key, LockMode.EX, true));
		await().atMost(WAIT).until(holding::isHolding);
		// etcd applies the enqueue, with its mark, and the reply is lost: the session withdraws it
		holding.sendHeldTransaction().join();
		assertThat(keysUnder(".writers/")).hasSize(1);
		holding.failHeldCall();
		assertThat(enqueue).failsWithin(WAIT).withThrowableOfType(ExecutionException.class);
		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(this.support.entries(this.raw)).isEmpty();
			assertThat(keysUnder(".writers/")).isEmpty();
		});
		try (LockHandle reader = manager(backend()).acquire(key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(LockValue.NONE);
		}
	}

	@Test
	void aTryThatWouldWaitAndAWithdrawnConversionLeaveNoMark() throws Exception {
		EtcdLockBackend backend = backend();
		LockSession holder = this.support.register(backend.openSession(LEASE));
		LockSession other = this.support.register(backend().openSession(LEASE));
		String key = newKey();
		QueueEntry held = holder.enqueue(request(key, LockMode.PR, true)).join().entry();
		assertThat(other.enqueue(request(key, LockMode.EX, false)).join().state().status())
			.isEqualTo(Status.REJECTED);
		assertThat(keysUnder(".writers/")).isEmpty();
		QueueEntry converting = other.enqueue(request(key, LockMode.PR, true)).join().entry();
		assertThat(other.convert(converting, LockMode.EX, true).join().status()).isEqualTo(Status.WAITING);
		assertThat(keysUnder(".writers/")).hasSize(1);
		assertThat(other.cancelConversion(converting, LockMode.PR).join()).isEqualTo(LockMode.PR);
		assertThat(keysUnder(".writers/")).isEmpty();
		assertThat(holder.readValue(held).join()).isEqualTo(LockValue.NONE);
	}

	private LockValue write(String key, String value) throws InterruptedException {
		return write(backend(), key, value);
	}

	private LockValue write(EtcdLockBackend backend, String key, String value) throws InterruptedException {
		try (LockHandle writer = manager(backend).acquire(key, LockMode.EX, WAIT)) {
			writer.setValue(text(value));
			return new LockValue(text(value), writer.fencingToken(), true);
		}
	}

	/** The one entry under the prefix, once the removals sent before are done. */
	private KeyValue onlyEntry() {
		return await().atMost(WAIT).until(() -> this.support.entries(this.raw), (entries) -> entries.size() == 1).get(0);
	}

	private void assertUnderRetentionLease(List<KeyValue> kvs) throws Exception {
		for (KeyValue kv : kvs) {
			assertThat(kv.getLease()).isNotZero();
			long ttl = this.raw.getLeaseClient().timeToLive(kv.getLease(), LeaseOption.DEFAULT).get().getTTL();
			assertThat(ttl).isGreaterThan(RETENTION.toSeconds() - 60)
				.isLessThanOrEqualTo(RETENTION.toSeconds() + RETENTION.toSeconds() / 4);
		}
	}

	private List<KeyValue> keysUnder(String mark) throws Exception {
		return this.raw.getKVClient()
			.get(bytes(this.support.keyPrefix + mark), GetOption.builder().isPrefix(true).build())
			.get()
			.getKvs();
	}

	private EtcdLockBackend backend() {
		return this.support.register(EtcdLockBackend.builder(this.support.client(endpoint()))
			.keyPrefix(this.support.keyPrefix)
			.valueRetention(RETENTION)
			.build());
	}

	private LockManager manager(EtcdLockBackend backend) {
		return this.support.register(LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build());
	}

	private static AcquireRequest request(String key, LockMode mode, boolean waitIfBusy) {
		return new AcquireRequest(key, mode, "owner-" + UUID.randomUUID(), waitIfBusy);
	}

	private static byte[] text(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
