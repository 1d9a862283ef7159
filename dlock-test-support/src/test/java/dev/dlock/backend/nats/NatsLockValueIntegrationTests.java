package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockValue;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.EnqueueResult;
import dev.dlock.spi.LockSession;
import dev.dlock.spi.QueueEntry;
import dev.dlock.spi.QueueState;
import dev.dlock.support.KeyCodec;
import dev.dlock.testserver.NatsServer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the conformance kit cannot see of the NATS backend's value blocks (DESIGN.md §12):
 * the key that stores them, its bounded age, the invalid mark that comes before a dead
 * entry's delete, and the writes that a lost or removed entry must not make.
 */
class NatsLockValueIntegrationTests {

	private static final Duration LEASE = Duration.ofSeconds(2);

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** JetStream's API error: no message for a get. */
	private static final int NO_MESSAGE_FOUND = 10037;

	private final NatsTestBucket bucket = new NatsTestBucket(NatsServer.shared().url());

	private final String key = "nats-value:" + UUID.randomUUID();

	private @Nullable JetStreamManagement management;

	@AfterEach
	void closeBucket() throws Exception {
		this.bucket.close();
	}

	@Test
	void theValueIsOneKeyThatExpiresWithTheBucketsMaxAge() throws Exception {
		NatsLockBackend backend = this.bucket.register(NatsLockBackend.builder(this.bucket.backendConnection())
			.bucket(this.bucket.name())
			.entryMaxAge(LEASE.multipliedBy(2))
			.build());
		LockManager manager = this.bucket.register(LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build());
		long token;
		try (LockHandle writer = manager.acquire(this.key, LockMode.EX, WAIT)) {
			writer.setValue(bytes("short-lived"));
			token = writer.fencingToken();
		}
		assertThat(this.bucket.status().getTtl()).isEqualTo(LEASE.multipliedBy(2));
		MessageInfo stored = lastMessage(valueSubject(this.key));
		assertThat(stored).isNotNull();
		assertThat(ValueBlock.decode(stored.getData()))
			.isEqualTo(new ValueBlock(new LockValue(bytes("short-lived"), token, true), 0));
		// nobody writes it again: the bucket's max age drops it
		await().atMost(Duration.ofSeconds(20)).until(() -> lastMessage(valueSubject(this.key)) == null);
		try (LockHandle reader = manager.acquire(this.key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(LockValue.NONE);
		}
	}

	@Test
	void aWaiterMarksTheValueInvalidBeforeItDeletesTheEntryOfACrashedExHolder() throws Exception {
		LockValue written = write(this.key, "before the crash");
		LockSession crashing = this.bucket.backend().openSession(LEASE);
		AcquireRequest crashed = request(LockMode.EX, false);
		NatsQueueEntry holder = (NatsQueueEntry) crashing.enqueue(crashed).join().entry();
		LockSession waiters = this.bucket.backend().openSession(LEASE);
		QueueEntry waiter = waiters.enqueue(request(LockMode.PR, true)).join().entry();
		// the crashing session is never renewed: its heartbeat runs out, and the waiter deletes its entry
		await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
			waiters.renew(List.of(waiter)).join();
			return waiters.poll(waiter).join().status() == QueueState.Status.GRANTED;
		});
		MessageInfo mark = lastMessage(valueSubject(this.key));
		MessageInfo deleted = lastMessage(entrySubject(crashed));
		assertThat(mark).isNotNull();
		assertThat(deleted).isNotNull();
		assertThat(ValueBlock.decode(mark.getData()))
			.isEqualTo(new ValueBlock(new LockValue(written.bytes(), written.version(), false), holder.ticket()));
		assertThat(deleted.getHeaders().getFirst("KV-Operation")).isEqualTo("DEL");
		assertThat(mark.getSeq()).isLessThan(deleted.getSeq());
		assertThat(waiters.readValue(waiter).join())
			.isEqualTo(new LockValue(written.bytes(), written.version(), false));
		// the crashed holder comes back and writes late: nothing changes
		assertThat(crashing.writeValue(holder, new LockValue(bytes("late"), holder.ticket(), true)).join()).isFalse();
		assertThat(lastMessage(valueSubject(this.key)).getSeq()).isEqualTo(mark.getSeq());
	}

	@Test
	void aSessionThatDeletesAnExEntryTheEngineGaveUpMarksTheValueInvalidFirst() throws Exception {
		LockValue written = write(this.key, "before it was given up");
		LockSession session = this.bucket.backend().openSession(LEASE);
		AcquireRequest request = request(LockMode.EX, false);
		NatsQueueEntry given = (NatsQueueEntry) session.enqueue(request).join().entry();
		// renewal rounds without the entry: a lease after its enqueue, the session deletes it
		await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
			session.renew(List.of()).join();
			MessageInfo last = lastMessage(entrySubject(request));
			return last != null && last.getHeaders() != null && last.getHeaders().getFirst("KV-Operation") != null;
		});
		MessageInfo mark = lastMessage(valueSubject(this.key));
		assertThat(mark).isNotNull();
		assertThat(ValueBlock.decode(mark.getData()))
			.isEqualTo(new ValueBlock(new LockValue(written.bytes(), written.version(), false), given.ticket()));
		assertThat(mark.getSeq()).isLessThan(lastMessage(entrySubject(request)).getSeq());
	}

	@Test
	void aWaiterMarksTheValueInvalidWhenAnExEntryExpiredByItsMaxAge() throws Exception {
		NatsLockBackend backend = this.bucket.register(NatsLockBackend.builder(this.bucket.backendConnection())
			.bucket(this.bucket.name())
			.entryMaxAge(LEASE.multipliedBy(2))
			.build());
		LockManager manager = this.bucket.register(LockManagerBuilder.forBackend(backend).leaseTime(LEASE).build());
		try (LockHandle writer = manager.acquire(this.key, LockMode.EX, WAIT)) {
			writer.setValue(bytes("before the expiry"));
		}
		// an EX entry of an earlier version, with no session: only its max age ends it, silently
		AcquireRequest old = request(LockMode.EX, false);
		long ticket = this.bucket.connect()
			.jetStream()
			.publish(entrySubject(old), bytes("v2 EX 0 - - 0 0 - " + this.key))
			.getSeqno();
		LockSession waiters = backend.openSession(LEASE);
		QueueEntry waiter = waiters.enqueue(request(LockMode.PR, true)).join().entry();
		await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
			waiters.renew(List.of(waiter)).join();
			return waiters.poll(waiter).join().status() == QueueState.Status.GRANTED;
		});
		// the value, written before the entry, expired before it: the mark is all that is left
		assertThat(waiters.readValue(waiter).join()).isEqualTo(new LockValue(new byte[0], 0, false));
		assertThat(ValueBlock.decode(lastMessage(valueSubject(this.key)).getData()).lostTicket()).isEqualTo(ticket);
	}

	@Test
	void aHolderWhoseLossIsMarkedButWhoseEntryIsNotDeletedYetWritesNothing() throws Exception {
		write(this.key, "before the loss");
		LockSession session = this.bucket.backend().openSession(LEASE);
		NatsQueueEntry holder = (NatsQueueEntry) session.enqueue(request(LockMode.EX, false)).join().entry();
		// what a waiter does first when it finds the holder's session dead
		holder.bucket().invalidate(holder.resource(), holder.value()).join();
		long marked = lastMessage(valueSubject(this.key)).getSeq();
		assertThat(session.writeValue(holder, new LockValue(bytes("late"), holder.ticket(), true)).join()).isFalse();
		assertThat(lastMessage(valueSubject(this.key)).getSeq()).isEqualTo(marked);
		assertThat(session.readValue(holder).join().valid()).isFalse();
	}

	@Test
	void aWriteRetriedAfterTheRemovalWritesNothingAndOneRetriedBeforeChangesNothing() throws Exception {
		LockSession session = this.bucket.backend().openSession(LEASE);
		AcquireRequest request = request(LockMode.EX, false);
		QueueEntry entry = session.enqueue(request).join().entry();
		LockValue first = new LockValue(bytes("first"), entry.ticket(), true);
		assertThat(session.writeValue(entry, first).join()).isTrue();
		long written = lastMessage(valueSubject(this.key)).getSeq();
		// a reply lost, the engine sends the write again: stored already
		assertThat(session.writeValue(entry, first).join()).isTrue();
		assertThat(lastMessage(valueSubject(this.key)).getSeq()).isEqualTo(written);
		session.remove(request).join();
		assertThat(session.writeValue(entry, new LockValue(bytes("after"), entry.ticket(), true)).join()).isFalse();
		LockValue next = write(this.key, "next holder");
		assertThat(session.writeValue(entry, first).join()).isFalse();
		try (LockHandle reader = manager().acquire(this.key, LockMode.PR, WAIT)) {
			assertThat(reader.value()).isEqualTo(next);
		}
		assertThat(session.readValue(entry).join()).isNull();
	}

	@Test
	void theValueKeyIsNeverTakenForAnEntry() throws Exception {
		write(this.key, "not an entry");
		// a new backend's watcher reads the bucket from its start, value key included
		LockSession session = this.bucket.backend().openSession(LEASE);
		EnqueueResult held = session.enqueue(request(LockMode.EX, false)).join();
		assertThat(held.state()).isEqualTo(QueueState.GRANTED);
		assertThat(session.queue(held.entry()).join()).hasSize(1);
		// what the stream leader lists when a decision cannot wait for the watcher
		String prefix = "$KV." + this.bucket.name() + ".";
		List<Subject> listed = this.bucket.connect()
			.jetStreamManagement()
			.getStreamInfo("KV_" + this.bucket.name(),
					StreamInfoOptions.filterSubjects(prefix + KeyCodec.encode(this.key) + ".*"))
			.getStreamState()
			.getSubjects();
		// the entry, and the writer's delete marker; not the value
		assertThat(listed).extracting(Subject::getName)
			.contains(entrySubject(held.entry().request()))
			.doesNotContain(valueSubject(this.key))
			.hasSize(2);
		assertThat(lastMessage(valueSubject(this.key))).isNotNull();
	}

	@Test
	void valuesOfKeysThatShareAPrefixNeverMix() throws Exception {
		List<String> keys = List.of(this.key, this.key + ":v", this.key + ".v", this.key + "*", this.key + ">",
				"a".repeat(900) + this.key);
		for (String each : keys) {
			write(each, "value " + keys.indexOf(each));
		}
		LockManager readers = manager();
		for (String each : keys) {
			try (LockHandle reader = readers.acquire(each, LockMode.PR, WAIT)) {
				assertThat(reader.value().bytes()).as("value of key %d", keys.indexOf(each))
					.isEqualTo(bytes("value " + keys.indexOf(each)));
			}
		}
	}

	private LockManager manager() {
		return this.bucket.register(LockManagerBuilder.forBackend(this.bucket.backend()).leaseTime(LEASE).build());
	}

	/** Writes a value under {@code EX} and returns it as readers should see it. */
	private LockValue write(String lockKey, String text) throws InterruptedException {
		try (LockHandle writer = manager().acquire(lockKey, LockMode.EX, WAIT)) {
			writer.setValue(bytes(text));
			return new LockValue(bytes(text), writer.fencingToken(), true);
		}
	}

	private AcquireRequest request(LockMode mode, boolean waitIfBusy) {
		return new AcquireRequest(this.key, mode, UUID.randomUUID().toString().replace("-", ""), waitIfBusy);
	}

	private String valueSubject(String lockKey) {
		return "$KV." + this.bucket.name() + "." + KeyCodec.encode(lockKey);
	}

	private String entrySubject(AcquireRequest request) {
		return valueSubject(request.key()) + "." + request.ownerId();
	}

	/** The stream's last message on a subject, read directly; {@code null} if none. */
	private @Nullable MessageInfo lastMessage(String subject) throws Exception {
		if (this.management == null) {
			this.management = this.bucket.connect().jetStreamManagement();
		}
		try {
			return this.management.getLastMessage("KV_" + this.bucket.name(), subject);
		}
		catch (JetStreamApiException ex) {
			if (ex.getApiErrorCode() == NO_MESSAGE_FOUND) {
				return null;
			}
			throw ex;
		}
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
