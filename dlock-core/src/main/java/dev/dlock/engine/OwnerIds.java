package dev.dlock.engine;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;

/**
 * Makes requests with new owner ids: 128 random bits, unguessable, so that only the owner
 * can release; kept as two {@code long}s in the request rather than as a string.
 * <p>
 * The bits are drawn from {@link SecureRandom} {@value #BATCH} ids at a time: one draw
 * costs a system call and a hash, tens of microseconds after an idle pause, and every
 * acquire used to pay it before its request was sent.
 */
final class OwnerIds {

	/** Ids drawn at once. */
	static final int BATCH = 64;

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final Object monitor = new Object();

	// guarded by monitor: the drawn bits, two longs per id, and the next unused one
	private static final long[] drawn = new long[2 * BATCH];

	private static int next = drawn.length;

	private OwnerIds() {
	}

	static AcquireRequest request(String key, LockMode mode, boolean waitIfBusy) {
		long high;
		long low;
		synchronized (monitor) {
			if (next == drawn.length) {
				byte[] bytes = new byte[Long.BYTES * drawn.length];
				RANDOM.nextBytes(bytes);
				ByteBuffer.wrap(bytes).asLongBuffer().get(drawn);
				next = 0;
			}
			high = drawn[next++];
			low = drawn[next++];
		}
		return new AcquireRequest(key, mode, high, low, waitIfBusy);
	}

}
