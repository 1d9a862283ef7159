package dev.dlock.backend.etcd;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import io.etcd.jetcd.Client;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static dev.dlock.backend.etcd.EtcdLayout.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The builder's checks and the key layout, without a server.
 */
class EtcdLockBackendTests {

	@Test
	void keyPrefixMustEndWithASeparator() {
		try (Client client = unreachableClient()) {
			assertThatIllegalArgumentException().isThrownBy(() -> EtcdLockBackend.builder(client).keyPrefix("locks"))
				.withMessageContaining("'keyPrefix'");
			assertThatIllegalArgumentException().isThrownBy(() -> EtcdLockBackend.builder(client).keyPrefix(""));
		}
	}

	@Test
	void openSessionNeedsAPositiveLease() {
		try (Client client = unreachableClient(); EtcdLockBackend backend = EtcdLockBackend.builder(client).build()) {
			assertThatIllegalArgumentException().isThrownBy(() -> backend.openSession(Duration.ZERO));
		}
	}

	private static Client unreachableClient() {
		// jetcd connects lazily: nothing listens here, and nothing needs to
		return Client.builder().endpoints("http://127.0.0.1:1").build();
	}

	@Test
	void resourcePrefixesEndWithASeparatorSoThatNoKeyCoversAnother() {
		EtcdLayout layout = new EtcdLayout("dlock/");
		String foo = layout.resourcePrefix("foo").toString();
		String foobar = layout.resourcePrefix("foobar").toString();
		assertThat(foo).startsWith("dlock/").endsWith("/");
		assertThat(foobar).doesNotStartWith(foo);
		assertThat(layout.resourcePrefix("a/b").toString()).isEqualTo("dlock/" + "YS9i" + "/");
	}

	@Test
	void anEntryKeyIsTheResourcePrefixAndTheEntryNameAndItsValueTheModeAndKey() {
		EtcdLayout layout = new EtcdLayout("x/");
		AcquireRequest request = new AcquireRequest("k:1", LockMode.CW, "owner", true);
		assertThat(layout.entryKey("k:1", "s-0").toString()).isEqualTo(layout.resourcePrefix("k:1") + "s-0");
		assertThat(layout.entryValue(request).toString()).isEqualTo("CW:k:1");
		assertThat(EntryState.parse(layout.entryValue(request))).isEqualTo(EntryState.plain(LockMode.CW, "k:1"));
	}

	@Test
	void aValueWithoutAKnownStateCountsAsAnExclusiveRequest() {
		assertThat(EntryState.parse(bytes("garbage"))).isEqualTo(EntryState.plain(LockMode.EX, ""));
		assertThat(EntryState.parse(bytes("XX:key"))).isEqualTo(EntryState.plain(LockMode.EX, "key"));
		assertThat(EntryState.parse(bytes("PR>EX:key"))).isEqualTo(EntryState.plain(LockMode.EX, "key"));
		assertThat(EntryState.parse(bytes("=PR>XX:key"))).isEqualTo(EntryState.plain(LockMode.EX, "key"));
		assertThat(EntryState.parse(bytes("NL:key"))).isEqualTo(EntryState.plain(LockMode.NL, "key"));
	}

	@Test
	void everyStateOfAnEntryReadsBackFromItsValue() {
		EntryState plain = EntryState.plain(LockMode.PR, "a:b=c>d!");
		for (EntryState state : new EntryState[] { plain, plain.withFlag(), plain.frozen(), plain.withFlag().frozen(),
				plain.grantedIn(LockMode.NL).converting(LockMode.EX), plain.grantedIn(LockMode.PW) }) {
			assertThat(EntryState.parse(state.toValue())).isEqualTo(state);
		}
		assertThat(plain.withFlag().frozen().toValue().toString()).isEqualTo("=PR!:a:b=c>d!");
		assertThat(plain.grantedIn(LockMode.NL).converting(LockMode.EX).toValue().toString()).isEqualTo("=NL>EX:a:b=c>d!");
	}

	@Test
	void aSequencerLivesOutsideEveryQueue() {
		EtcdLayout layout = new EtcdLayout("x/");
		assertThat(layout.resourceKeys("k").sequencer().toString()).doesNotStartWith(layout.resourcePrefix("k").toString())
			.startsWith("x/.");
	}

	@Test
	void theResourceKeysCutFromAnEntryKeyAreThoseOfItsLockKey() {
		for (String prefix : new String[] { "dlock/", "app/locks/", "é/" }) {
			EtcdLayout layout = new EtcdLayout(prefix);
			for (String lockKey : new String[] { "k", "a/b", "order:42/", "ключ 🔒", "/" }) {
				EtcdLayout.ResourceKeys expected = layout.resourceKeys(lockKey);
				EtcdLayout.ResourceKeys cut = layout.resourceKeysOf(layout.entryKey(lockKey, "s-12"));
				assertThat(cut.prefix()).isEqualTo(expected.prefix());
				assertThat(cut.sequencer()).isEqualTo(expected.sequencer());
				assertThat(cut.sequencer().hashCode()).isEqualTo(expected.sequencer().hashCode());
			}
		}
	}

	@Test
	void aKeyOutsideTheLayoutHasNoResourceKeys() {
		EtcdLayout layout = new EtcdLayout("dlock/");
		assertThatIllegalArgumentException().isThrownBy(() -> layout.resourceKeysOf(bytes("other/YQ/s-1")));
		assertThatIllegalArgumentException().isThrownBy(() -> layout.resourceKeysOf(bytes("dlock/s-1")));
	}

	@Test
	void onlyRefusalsThatEtcdMakesBeforeProposingCountAsHavingWrittenNothing() {
		assertThat(EtcdFailures.wroteNothing(new CompletionException(
				new StatusRuntimeException(Status.UNKNOWN.withDescription("etcdserver: too many requests")))))
			.isTrue();
		assertThat(EtcdFailures.wroteNothing(
				new StatusRuntimeException(Status.NOT_FOUND.withDescription("etcdserver: requested lease not found"))))
			.isTrue();
		assertThat(EtcdFailures.wroteNothing(new CompletionException(new TimeoutException())))
			.as("a timeout may have been applied")
			.isFalse();
		assertThat(EtcdFailures.wroteNothing(new StatusRuntimeException(Status.UNAVAILABLE))).isFalse();
	}

}
