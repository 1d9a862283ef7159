package dev.dlock;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The value block of a lock's key (DESIGN.md §12): a few opaque bytes that the holders of
 * the key share, with a version and a validity flag.
 * <p>
 * A {@code PW} or {@code EX} holder sets it ({@link LockHandle#setValue}); the backend
 * writes it when that holder releases the lock or converts it out of {@code PW} and
 * {@code EX}, and its version is then that holder's {@link LockHandle#fencingToken()
 * fencing token}, so that versions grow with every write, also across idle periods. A
 * {@code PW} or {@code EX} holder whose lease ran out without a release (it crashed or was
 * cut off) may have changed what the value describes: the value then reads as not
 * {@linkplain #valid() valid} until the next write. A key that was never written, or whose
 * value passed its retention time, reads as {@link #NONE}.
 *
 * @param bytes the value, at most {@link #MAX_BYTES} bytes; copied in and out
 * @param version the fencing token of the write that set it; {@code 0} if none is known
 * @param valid {@code false} when a {@code PW} or {@code EX} holder was lost after the last
 * write, so that what the value describes may have changed without it
 * @since 0.1.0
 */
public record LockValue(byte[] bytes, long version, boolean valid) {

	/** The most bytes a value holds. */
	public static final int MAX_BYTES = 256;

	/** The value of a key that no writer has set within the retention time. */
	public static final LockValue NONE = new LockValue(new byte[0], 0, true);

	/**
	 * Checks the bound and copies the bytes.
	 * @param bytes the value, at most {@link #MAX_BYTES} bytes
	 * @param version the version, zero or positive
	 * @param valid whether the value can be trusted
	 */
	public LockValue {
		if (bytes == null) {
			throw new IllegalArgumentException("A lock value must not be null: use an empty array");
		}
		if (bytes.length > MAX_BYTES) {
			throw new IllegalArgumentException(
					"A lock value holds at most " + MAX_BYTES + " bytes, not " + bytes.length);
		}
		if (version < 0) {
			throw new IllegalArgumentException("A lock value's version must not be negative: " + version);
		}
		bytes = bytes.clone();
	}

	/**
	 * The value's bytes.
	 * @return a copy of the bytes
	 */
	@Override
	public byte[] bytes() {
		return this.bytes.clone();
	}

	/**
	 * How many bytes the value holds, without copying them.
	 * @return the length
	 */
	public int length() {
		return this.bytes.length;
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof LockValue value && this.version == value.version && this.valid == value.valid
				&& Arrays.equals(this.bytes, value.bytes);
	}

	@Override
	public int hashCode() {
		return 31 * (31 * Arrays.hashCode(this.bytes) + Long.hashCode(this.version)) + Boolean.hashCode(this.valid);
	}

	@Override
	public String toString() {
		return "LockValue[version=" + this.version + ", valid=" + this.valid + ", bytes="
				+ HexFormat.of().formatHex(this.bytes) + "]";
	}

}
