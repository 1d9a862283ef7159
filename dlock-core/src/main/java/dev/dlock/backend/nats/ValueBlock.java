package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.dlock.LockValue;
import org.jspecify.annotations.Nullable;

/**
 * The value block of a lock key as stored in its bucket, under the KV key
 * {@code <encoded key>} (one subject token, where an entry has two): a first line
 * {@code v1 <version> <lost>} and the value's bytes after it. {@code lost} is {@code -}
 * for a valid value, and otherwise the ticket of the entry whose loss marked it invalid:
 * that entry's owner reads it and never writes over it (see
 * {@link NatsBucket#writeValue}).
 *
 * @param value the value
 * @param lostTicket the ticket of the lost entry that marked it invalid, or {@code 0} when it
 * is valid
 */
record ValueBlock(LockValue value, long lostTicket) {

	/** A key with no value stored. */
	static final ValueBlock NONE = new ValueBlock(LockValue.NONE, 0);

	private static final String VERSION = "v1";

	private static final String VALID = "-";

	/** A value as a writer sets it: valid. */
	static ValueBlock written(LockValue value) {
		return new ValueBlock(new LockValue(value.bytes(), value.version(), true), 0);
	}

	/**
	 * This value marked invalid because the entry with {@code ticket} was lost: bytes and
	 * version kept.
	 */
	ValueBlock lostBy(long ticket) {
		return new ValueBlock(new LockValue(this.value.bytes(), this.value.version(), false), ticket);
	}

	byte[] encode() {
		byte[] head = (VERSION + " " + this.value.version() + " " + (this.value.valid() ? VALID : this.lostTicket)
				+ "\n").getBytes(StandardCharsets.US_ASCII);
		byte[] bytes = this.value.bytes();
		byte[] encoded = Arrays.copyOf(head, head.length + bytes.length);
		System.arraycopy(bytes, 0, encoded, head.length, bytes.length);
		return encoded;
	}

	/** Reads a stored value; {@code null} when it is not one of ours. */
	static @Nullable ValueBlock decode(byte @Nullable [] data) {
		if (data == null) {
			return null;
		}
		int newline = -1;
		for (int i = 0; i < data.length && i < 64; i++) {
			if (data[i] == '\n') {
				newline = i;
				break;
			}
		}
		if (newline < 0) {
			return null;
		}
		String[] head = new String(data, 0, newline, StandardCharsets.US_ASCII).split(" ", -1);
		if (head.length != 3 || !VERSION.equals(head[0]) || data.length - newline - 1 > LockValue.MAX_BYTES) {
			return null;
		}
		try {
			long version = Long.parseLong(head[1]);
			long lost = VALID.equals(head[2]) ? 0 : Long.parseLong(head[2]);
			if (version < 0 || lost < 0 || (lost == 0 && !VALID.equals(head[2]))) {
				return null;
			}
			byte[] bytes = Arrays.copyOfRange(data, newline + 1, data.length);
			return new ValueBlock(new LockValue(bytes, version, lost == 0), lost);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
