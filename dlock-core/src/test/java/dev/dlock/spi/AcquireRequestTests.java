package dev.dlock.spi;

import java.nio.ByteBuffer;
import java.util.Base64;

import dev.dlock.LockMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request keeps a 128-bit owner id as two longs and shows it as base64url; equality and
 * {@code toString} treat the owner id as what it is, a secret that proves ownership.
 */
class AcquireRequestTests {

	@Test
	void ownerIdOf128BitsReadsAsTheirBase64url() {
		AcquireRequest request = new AcquireRequest("k", LockMode.EX, 0x0123456789abcdefL, -2L, true);
		String ownerId = request.ownerId();
		assertThat(ownerId).hasSize(22).matches("[A-Za-z0-9_-]+");
		ByteBuffer bits = ByteBuffer.wrap(Base64.getUrlDecoder().decode(ownerId));
		assertThat(bits.getLong()).isEqualTo(0x0123456789abcdefL);
		assertThat(bits.getLong()).isEqualTo(-2L);
	}

	@Test
	void ownerIdComparesWithBitsWithoutItsText() {
		AcquireRequest bits = new AcquireRequest("k", LockMode.EX, 0x0123456789abcdefL, -2L, true);
		assertThat(bits.hasOwnerId(0x0123456789abcdefL, -2L)).isTrue();
		assertThat(bits.hasOwnerId(0x0123456789abcdefL, -3L)).isFalse();
		assertThat(new AcquireRequest("k", LockMode.EX, bits.ownerId(), true).hasOwnerId(0x0123456789abcdefL, -2L))
			.isTrue();
		assertThat(new AcquireRequest("k", LockMode.EX, "owner-1", true).hasOwnerId(0, 0)).isFalse();
	}

	@Test
	void ownerIdGivenAsAStringIsKept() {
		assertThat(new AcquireRequest("k", LockMode.PR, "owner-1", false).ownerId()).isEqualTo("owner-1");
	}

	@Test
	void requestsAreEqualWhenKeyModeOwnerAndWaitAre() {
		AcquireRequest request = new AcquireRequest("k", LockMode.EX, 1, 2, true);
		assertThat(new AcquireRequest("k", LockMode.EX, 1, 2, true)).isEqualTo(request)
			.hasSameHashCodeAs(request);
		assertThat(new AcquireRequest("k", LockMode.EX, 1, 3, true)).isNotEqualTo(request);
		assertThat(new AcquireRequest("k", LockMode.PR, 1, 2, true)).isNotEqualTo(request);
		assertThat(new AcquireRequest("j", LockMode.EX, 1, 2, true)).isNotEqualTo(request);
		assertThat(new AcquireRequest("k", LockMode.EX, 1, 2, false)).isNotEqualTo(request);
		AcquireRequest named = new AcquireRequest("k", LockMode.EX, "o", true);
		assertThat(new AcquireRequest("k", LockMode.EX, "o", true)).isEqualTo(named).hasSameHashCodeAs(named);
	}

	@Test
	void ownerIdOf128BitsNeverEqualsOneGivenAsAString() {
		AcquireRequest bits = new AcquireRequest("k", LockMode.EX, 1, 2, true);
		assertThat(new AcquireRequest("k", LockMode.EX, bits.ownerId(), true)).isNotEqualTo(bits);
	}

	@Test
	void toStringNeverShowsTheOwnerId() {
		AcquireRequest request = new AcquireRequest("k", LockMode.EX, 7, 8, true);
		assertThat(request.toString()).doesNotContain(request.ownerId()).contains("k", "EX");
	}

}
