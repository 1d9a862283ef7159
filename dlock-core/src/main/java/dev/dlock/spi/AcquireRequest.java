package dev.dlock.spi;

import java.util.Objects;
import java.util.Set;

import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

/**
 * A request for a lock, as the engine hands it to a backend: the user's key (unencoded;
 * backends encode it with {@link dev.dlock.support.KeyCodec}), the requested mode, the
 * owner id, and whether to stay in the queue when not granted at once.
 * <p>
 * The owner id is a random, unguessable id of the request: the secret that proves
 * ownership. Never log it. The engine's owner ids are 128 random bits, kept as two
 * {@code long}s (one lives per held lock) and shown by {@link #ownerId()} as 22 characters
 * of base64url; a request built with an owner id string keeps that string.
 * <p>
 * Two requests are equal when their key, mode, owner id and {@code waitIfBusy} are; an
 * owner id of 128 bits never equals one given as a string.
 *
 * @since 0.1.0
 */
public final class AcquireRequest {

	private static final LockMode[] MODES = LockMode.values();

	private final String key;

	/**
	 * The mode's ordinal: a byte packs beside {@link #waitIfBusy} where a reference would
	 * take a word of its own (one request lives per held lock).
	 */
	private final byte mode;

	/** The owner id as given, or {@code null} when it is the 128 bits below. */
	private final @Nullable String ownerText;

	private final long ownerHigh;

	private final long ownerLow;

	private final boolean waitIfBusy;

	/**
	 * Creates a request with an owner id string.
	 * @param key the user's key, unencoded
	 * @param mode the requested mode
	 * @param ownerId the secret id of this request
	 * @param waitIfBusy whether to stay in the queue when not granted at once
	 */
	public AcquireRequest(String key, LockMode mode, String ownerId, boolean waitIfBusy) {
		this(key, mode, Objects.requireNonNull(ownerId, "'ownerId' must not be null"), 0, 0, waitIfBusy);
	}

	/**
	 * Creates a request whose owner id is 128 bits, shown as base64url by
	 * {@link #ownerId()}.
	 * @param key the user's key, unencoded
	 * @param mode the requested mode
	 * @param ownerHigh the first 64 bits of the owner id
	 * @param ownerLow the last 64 bits of the owner id
	 * @param waitIfBusy whether to stay in the queue when not granted at once
	 */
	public AcquireRequest(String key, LockMode mode, long ownerHigh, long ownerLow, boolean waitIfBusy) {
		this(key, mode, null, ownerHigh, ownerLow, waitIfBusy);
	}

	private AcquireRequest(String key, LockMode mode, @Nullable String ownerText, long ownerHigh, long ownerLow,
			boolean waitIfBusy) {
		this.key = Objects.requireNonNull(key, "'key' must not be null");
		this.mode = (byte) Objects.requireNonNull(mode, "'mode' must not be null").ordinal();
		this.ownerText = ownerText;
		this.ownerHigh = ownerHigh;
		this.ownerLow = ownerLow;
		this.waitIfBusy = waitIfBusy;
	}

	/**
	 * The user's key, unencoded.
	 * @return the key
	 */
	public String key() {
		return this.key;
	}

	/**
	 * The requested mode.
	 * @return the mode
	 */
	public LockMode mode() {
		return MODES[this.mode];
	}

	/**
	 * The owner id: the secret that proves ownership. Never log it. Built anew on each call
	 * for an owner id of 128 bits.
	 * @return the owner id
	 */
	public String ownerId() {
		if (this.ownerText != null) {
			return this.ownerText;
		}
		return OwnerIdBits.text(this.ownerHigh, this.ownerLow);
	}

	/**
	 * Whether the owner id is the one of 128 bits given ({@link OwnerIdBits}), without
	 * building its text.
	 * @param high the first 64 bits
	 * @param low the last 64 bits
	 * @return whether {@link #ownerId()} is the text of those bits
	 */
	public boolean hasOwnerId(long high, long low) {
		return (this.ownerText != null) ? OwnerIdBits.matches(this.ownerText, high, low)
				: this.ownerHigh == high && this.ownerLow == low;
	}

	/**
	 * Whether to stay in the queue when not granted at once.
	 * @return whether the request waits
	 */
	public boolean waitIfBusy() {
		return this.waitIfBusy;
	}

	/**
	 * The modes that must not be held or queued earlier for this request to be granted,
	 * from {@link LockMode}'s matrix.
	 * @return the conflicting modes
	 */
	public Set<LockMode> conflictingModes() {
		return mode().conflictingModes();
	}

	@Override
	public boolean equals(@Nullable Object other) {
		if (this == other) {
			return true;
		}
		if (!(other instanceof AcquireRequest that)) {
			return false;
		}
		if (this.waitIfBusy != that.waitIfBusy || this.mode != that.mode || !this.key.equals(that.key)) {
			return false;
		}
		return Objects.equals(this.ownerText, that.ownerText) && this.ownerHigh == that.ownerHigh
				&& this.ownerLow == that.ownerLow;
	}

	@Override
	public int hashCode() {
		int owner = (this.ownerText != null) ? this.ownerText.hashCode()
				: Long.hashCode(this.ownerHigh) * 31 + Long.hashCode(this.ownerLow);
		return Objects.hash(this.key, mode(), owner, this.waitIfBusy);
	}

	@Override
	public String toString() {
		// the owner id is a secret
		return "AcquireRequest[key=" + this.key + ", mode=" + mode() + ", waitIfBusy=" + this.waitIfBusy + "]";
	}

}
