package dev.dlock.backend.nats;

import java.time.Instant;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.OwnerIdBits;
import dev.dlock.spi.Queued;
import io.nats.client.impl.Headers;
import org.jspecify.annotations.Nullable;

/**
 * A queue entry as some server read showed it.
 * <p>
 * The bucket's copy keeps one per lock held anywhere, so the owner id is kept as the 128
 * bits it stands for (16 bytes) when it is the canonical text of some ({@link OwnerIdBits}),
 * as every owner id of dlock's engine is, and as text otherwise; {@link #owner()} gives the
 * text either way, and {@link #hasOwner}, {@link #isOwnedBy} and {@link #hasSameOwner} compare
 * without building it.
 *
 * @param ownerHigh the first 64 bits of the owner id, or {@code 0} when it is kept as text
 * @param ownerLow the last 64 bits of the owner id, or {@code 0} when it is kept as text
 * @param ownerText the owner id when it is not the canonical text of 128 bits, else
 * {@code null}
 * @param value the value, with every "this message" number replaced by the revision
 * @param revision the revision of the message that was read
 * @param writtenNanos the server's timestamp of that message, in nanoseconds since the
 * epoch (see {@link #written()}); kept as a number rather than an {@link Instant}, since the
 * bucket's copy keeps one entry per lock held anywhere
 * @param tried whether the message was written by a try (a request or a conversion that
 * is taken back at once if it would have to wait), as its {@link #TRY_HEADER} says
 */
record StoredEntry(long ownerHigh, long ownerLow, @Nullable String ownerText, EntryValue value, long revision,
		long writtenNanos, boolean tried) {

	/**
	 * The header that marks the message of a try, so that a holder's read of its queue
	 * does not take the moment between the try's write and its withdrawal for a request
	 * that waits. Processes that do not know it ignore it.
	 */
	static final String TRY_HEADER = "Dlock-Try";

	/**
	 * An entry read from a message.
	 * @param owner the owner id (the second token of the KV key); a secret, never logged
	 * @param written the server's timestamp of that message; the entry expires a max age
	 * after it
	 */
	StoredEntry(String owner, EntryValue value, long revision, Instant written, boolean tried) {
		this(OwnerIdBits.bits(owner), owner, value, revision, epochNanos(written), tried);
	}

	private StoredEntry(long @Nullable [] ownerBits, String owner, EntryValue value, long revision, long writtenNanos,
			boolean tried) {
		this((ownerBits != null) ? ownerBits[0] : 0, (ownerBits != null) ? ownerBits[1] : 0,
				(ownerBits != null) ? null : owner, value, revision, writtenNanos, tried);
	}

	/** An entry read from a message that no try wrote. */
	StoredEntry(String owner, EntryValue value, long revision, Instant written) {
		this(owner, value, revision, written, false);
	}

	/**
	 * The owner id (the second token of the KV key), built anew when kept as bits; a secret,
	 * never logged.
	 */
	String owner() {
		return (this.ownerText != null) ? this.ownerText : OwnerIdBits.text(this.ownerHigh, this.ownerLow);
	}

	/** Whether the entry's owner id is {@code owner}. */
	boolean hasOwner(String owner) {
		return (this.ownerText != null) ? this.ownerText.equals(owner)
				: OwnerIdBits.matches(owner, this.ownerHigh, this.ownerLow);
	}

	/** Whether the entry is the request's: their owner ids are equal. */
	boolean isOwnedBy(AcquireRequest request) {
		return (this.ownerText != null) ? this.ownerText.equals(request.ownerId())
				: request.hasOwnerId(this.ownerHigh, this.ownerLow);
	}

	/** Whether the two entries have the same owner id. */
	boolean hasSameOwner(StoredEntry other) {
		if (this.ownerText != null || other.ownerText != null) {
			return owner().equals(other.owner());
		}
		return this.ownerHigh == other.ownerHigh && this.ownerLow == other.ownerLow;
	}

	/** A timestamp in nanoseconds since the epoch, as {@link #writtenNanos} keeps it. */
	static long epochNanos(Instant time) {
		return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
	}

	/** The server's timestamp of the message; the entry expires a max age after it. */
	Instant written() {
		return Instant.ofEpochSecond(0, this.writtenNanos);
	}

	/** The headers of a try's message. */
	static Headers tryHeaders() {
		Headers headers = new Headers();
		headers.put(TRY_HEADER, "1");
		return headers;
	}

	/** Whether a message's headers mark it as a try's. */
	static boolean isTry(@Nullable Headers headers) {
		return headers != null && headers.containsKey(TRY_HEADER);
	}

	/**
	 * The entry as the grant rules see it, with a request that has no explicit grant as
	 * waiting: an explicit grant with its pending conversion, as stored.
	 */
	Queued queued() {
		LockMode granted = this.value.granted();
		return (granted != null) ? new Queued(ticket(), granted, this.value.requested(), this.value.order())
				: Queued.waiting(ticket(), mode());
	}

	/** The requested mode. */
	LockMode mode() {
		return this.value.mode();
	}

	/** The create revision. */
	long ticket() {
		return this.value.ticket();
	}

	@Override
	public String toString() {
		return "StoredEntry[mode=" + mode() + ", ticket=" + ticket() + ", granted=" + this.value.granted()
				+ ", requested=" + this.value.requested() + ", revision=" + this.revision
				+ (this.tried ? ", tried]" : "]");
	}

}
