package dev.dlock.backend.nats;

import dev.dlock.LockBackendException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A replicated bucket needs a server that serialises revision-checked writes in a
 * replicated stream (nats-server 2.9.21 and later); one replica works on any server.
 */
class ReplicatedBucketVersionTests {

	@Test
	void replicatedBucketIsRefusedOnServersThatDoNotSerialiseRevisionCheckedWrites() {
		assertThatThrownBy(() -> NatsBucket.requireSerialisedWrites("locks", 3, "2.9.10"))
			.isInstanceOf(LockBackendException.class)
			.hasMessageContaining("'locks' has 3 replicas")
			.hasMessageContaining("nats-server 2.9.10")
			.hasMessageContaining("#4320")
			.hasMessageContaining("2.9.21 or later");
		assertThatThrownBy(() -> NatsBucket.requireSerialisedWrites("locks", 2, "2.9.20"))
			.isInstanceOf(LockBackendException.class);
	}

	@Test
	void replicatedBucketIsAcceptedFromTheFixOn() {
		assertThatCode(() -> NatsBucket.requireSerialisedWrites("locks", 3, "2.9.21")).doesNotThrowAnyException();
		assertThatCode(() -> NatsBucket.requireSerialisedWrites("locks", 3, "2.10.27")).doesNotThrowAnyException();
		assertThatCode(() -> NatsBucket.requireSerialisedWrites("locks", 5, "2.11.0")).doesNotThrowAnyException();
	}

	@Test
	void bucketOfOneReplicaIsAcceptedOnEveryServer() {
		assertThatCode(() -> NatsBucket.requireSerialisedWrites("locks", 1, "2.9.10")).doesNotThrowAnyException();
	}

}
