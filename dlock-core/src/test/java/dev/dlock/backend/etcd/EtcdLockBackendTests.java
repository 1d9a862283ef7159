package dev.dlock.backend.etcd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.dlock.backend.etcd.EtcdTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The builder's checks and the key layout, without a server.
 */
class EtcdLockBackendTests {

	@Test
	void keyPrefixMustEndWithASeparator() {
		assertThatIllegalArgumentException().isThrownBy(() -> EtcdLockBackend.builder().keyPrefix("locks"))
			.withMessageContaining("'keyPrefix'");
		assertThatIllegalArgumentException().isThrownBy(() -> EtcdLockBackend.builder().keyPrefix(""));
	}

	@Test
	void needsEndpointsOrAClient() {
		assertThatIllegalStateException().isThrownBy(() -> EtcdLockBackend.builder().build())
			.withMessageContaining("'endpoints'");
	}

	@Test
	void aClientExcludesConnectionSettings() {
		try (io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder().endpoints("http://127.0.0.1:1").build()) {
			assertThatIllegalStateException()
				.isThrownBy(() -> EtcdLockBackend.builder().client(client).endpoints("http://127.0.0.1:2").build());
			assertThatIllegalStateException()
				.isThrownBy(() -> EtcdLockBackend.builder().client(client).user("u").password("p").build());
		}
	}

	@Test
	void aUserNeedsAPassword() {
		assertThatIllegalStateException()
			.isThrownBy(() -> EtcdLockBackend.builder().endpoints("http://127.0.0.1:1").user("u").build())
			.withMessageContaining("'password'");
	}

	@Test
	void blankEndpointsAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> EtcdLockBackend.builder().endpoints("http://a:1", " "));
	}

	@Test
	void unreadableCertificateFilesFailAtBuild(@TempDir Path folder) throws Exception {
		Path notACertificate = Files.writeString(folder.resolve("ca.pem"), "not a certificate");
		assertThatIllegalArgumentException().isThrownBy(() -> EtcdLockBackend.builder()
			.endpoints("https://127.0.0.1:1")
			.trustCertificates(notACertificate)
			.build()).withMessageContaining("TLS");
	}

	@Test
	void openSessionNeedsAPositiveLease() {
		try (EtcdLockBackend backend = EtcdLockBackend.builder().endpoints("http://127.0.0.1:1").build()) {
			assertThatIllegalArgumentException().isThrownBy(() -> backend.openSession(Duration.ZERO));
		}
	}

	@Test
	void theServerTtlIsTheLeaseAndAThirdInWholeSecondsRoundedUp() {
		assertThat(EtcdLockSession.serverTtlSeconds(Duration.ofSeconds(30))).isEqualTo(40);
		assertThat(EtcdLockSession.serverTtlSeconds(Duration.ofSeconds(2))).isEqualTo(3);
		assertThat(EtcdLockSession.serverTtlSeconds(Duration.ofSeconds(3))).isEqualTo(4);
		assertThat(EtcdLockSession.serverTtlSeconds(Duration.ofMillis(500))).isEqualTo(1);
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
		assertThat(EtcdLayout.modeOf(layout.entryValue(request))).isEqualTo(LockMode.CW);
	}

	@Test
	void aValueWithoutAKnownModeCountsAsExclusive() {
		assertThat(EtcdLayout.modeOf(bytes("garbage"))).isEqualTo(LockMode.EX);
		assertThat(EtcdLayout.modeOf(bytes("XX:key"))).isEqualTo(LockMode.EX);
		assertThat(EtcdLayout.modeOf(bytes("NL:key"))).isEqualTo(LockMode.NL);
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
