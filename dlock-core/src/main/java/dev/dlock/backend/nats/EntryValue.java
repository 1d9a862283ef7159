package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

/**
 * The value of a queue entry in the bucket:
 * {@code v3 <mode> <ticket> <granted> <requested> <order> <token> <flag> <session> <readable key>}.
 * <p>
 * The ticket is the create revision of the entry. {@code granted} is the mode the entry is
 * explicitly granted in, or {@code -} while its grant follows from the queue (a request
 * that waits or was granted by the grant rule without a write); {@code requested} and
 * {@code order} are the target and the conversion-queue position of a pending conversion
 * ({@code -} and {@code 0} without one); {@code token} is the fencing token of the current
 * grant; {@code flag} is {@code F} when the entry must draw a new token when it is granted
 * (and its grant is then one revision-checked write of its own), otherwise {@code -}. A
 * ticket, order or token of {@code 0} means "the revision of this very message": a write
 * cannot know its own revision, and rewrites store the real numbers. {@code session} is the
 * id of the session that wrote the request: its heartbeat in the live bucket keeps the
 * entry alive (see {@link LiveBucket}). The readable key is
 * there for diagnostics only ({@code nats kv get}); the entry's KV key carries the encoded
 * one.
 * <p>
 * Values of version 2 (the same without the session, when each entry was renewed on its
 * own) and version 1 ({@code v1 <mode> <ticket> <readable key>}, before conversions) are
 * still read, with no session; version 1 as requests with no explicit grant, no
 * conversion and no flag.
 * <p>
 * The copy of a bucket keeps one per lock held anywhere, so the three modes and the flag
 * are packed into one {@code short}: 48 bytes rather than the 64 of a record of the nine
 * fields.
 */
final class EntryValue {

	private static final LockMode[] MODES = LockMode.values();

	/** Bits per mode in {@link #packed}: the mode's ordinal plus one, {@code 0} for none. */
	private static final int MODE_BITS = 3;

	private static final int MODE_MASK = (1 << MODE_BITS) - 1;

	private static final int GRANTED_SHIFT = MODE_BITS;

	private static final int REQUESTED_SHIFT = 2 * MODE_BITS;

	private static final int FLAGGED = 1 << (3 * MODE_BITS);

	private final long ticket;

	private final long order;

	private final long token;

	private final @Nullable String session;

	private final String key;

	/** The mode, the granted mode, the requested mode ({@link #MODE_BITS} each) and the flag. */
	private final short packed;

	/**
	 * A value.
	 * @param mode the requested mode
	 * @param ticket the ticket, or {@code 0} for this message's revision
	 * @param granted the explicitly granted mode, or {@code null}
	 * @param requested the target of a pending conversion, or {@code null}
	 * @param order the conversion order of a pending conversion, or {@code 0} for this
	 * message's revision
	 * @param token the fencing token, or {@code 0} for this message's revision
	 * @param flagged whether the entry draws a new token when it is granted
	 * @param session the id of the session whose heartbeat keeps the entry alive, or
	 * {@code null} in a value of an earlier version
	 * @param key the readable user key
	 */
	EntryValue(LockMode mode, long ticket, @Nullable LockMode granted, @Nullable LockMode requested, long order,
			long token, boolean flagged, @Nullable String session, String key) {
		this.ticket = ticket;
		this.order = order;
		this.token = token;
		this.session = session;
		this.key = key;
		this.packed = (short) (code(mode) | (code(granted) << GRANTED_SHIFT) | (code(requested) << REQUESTED_SHIFT)
				| (flagged ? FLAGGED : 0));
	}

	private static int code(@Nullable LockMode mode) {
		return (mode != null) ? mode.ordinal() + 1 : 0;
	}

	private @Nullable LockMode decoded(int shift) {
		int code = (this.packed >> shift) & MODE_MASK;
		return (code != 0) ? MODES[code - 1] : null;
	}

	/** The requested mode. */
	LockMode mode() {
		return MODES[(this.packed & MODE_MASK) - 1];
	}

	/** The ticket, or {@code 0} for this message's revision. */
	long ticket() {
		return this.ticket;
	}

	/** The explicitly granted mode, or {@code null}. */
	@Nullable LockMode granted() {
		return decoded(GRANTED_SHIFT);
	}

	/** The target of a pending conversion, or {@code null}. */
	@Nullable LockMode requested() {
		return decoded(REQUESTED_SHIFT);
	}

	/** The conversion order of a pending conversion, or {@code 0} for this message's revision. */
	long order() {
		return this.order;
	}

	/** The fencing token, or {@code 0} for this message's revision. */
	long token() {
		return this.token;
	}

	/** Whether the entry draws a new token when it is granted. */
	boolean flagged() {
		return (this.packed & FLAGGED) != 0;
	}

	/** The id of the session whose heartbeat keeps the entry alive, or {@code null} in a value of an earlier version. */
	@Nullable String session() {
		return this.session;
	}

	/** The readable user key. */
	String key() {
		return this.key;
	}

	private static final String VERSION = "v3";

	private static final String VERSION_2 = "v2";

	private static final String VERSION_1 = "v1";

	private static final String NONE = "-";

	private static final String FLAG = "F";

	/**
	 * The value of a new request: no explicit grant, its ticket and token the revision of
	 * its first message.
	 */
	static EntryValue request(LockMode mode, String session, String key) {
		return new EntryValue(mode, 0, null, null, 0, 0, false, session, key);
	}

	byte[] encode() {
		return (VERSION + " " + mode().name() + " " + this.ticket + " " + name(granted()) + " "
				+ name(requested()) + " " + this.order + " " + this.token + " " + (flagged() ? FLAG : NONE) + " "
				+ ((this.session != null) ? this.session : NONE) + " " + this.key).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * This value as stored in a message with the given revision: every {@code 0} that
	 * stands for "this message" replaced by the revision.
	 */
	EntryValue at(long revision) {
		return at(revision, this.key);
	}

	/**
	 * As {@link #at(long)}, holding the given instance of the lock key, which must be equal
	 * to this value's.
	 */
	EntryValue at(long revision, String sameKey) {
		LockMode requested = requested();
		return new EntryValue(mode(), (this.ticket != 0) ? this.ticket : revision, granted(), requested,
				(requested != null && this.order == 0) ? revision : this.order,
				(this.token != 0) ? this.token : revision, flagged(), this.session, sameKey);
	}

	/** The mode the entry holds once granted: the explicit one, else the requested mode. */
	LockMode heldMode() {
		LockMode granted = granted();
		return (granted != null) ? granted : mode();
	}

	/** Whether the entry is a request with no explicit grant (waiting, or granted by the rule). */
	boolean isImplicit() {
		return granted() == null;
	}

	/**
	 * A granted entry converting to {@code target}, in the conversion queue at the revision
	 * of the message that stores it.
	 */
	EntryValue converting(LockMode held, LockMode target) {
		return new EntryValue(mode(), this.ticket, held, target, 0, this.token, false, this.session, this.key);
	}

	/** The entry granted in {@code mode} with no conversion pending, its token unchanged. */
	EntryValue holding(LockMode held) {
		return new EntryValue(mode(), this.ticket, held, null, 0, this.token, false, this.session, this.key);
	}

	/**
	 * The entry granted in {@code mode} with a new token: the revision of the message that
	 * stores it.
	 */
	EntryValue grantedWithNewToken(LockMode held) {
		return new EntryValue(mode(), this.ticket, held, null, 0, 0, false, this.session, this.key);
	}

	/** The entry granted in {@code held} with a new token known already. */
	EntryValue converted(LockMode held, long newToken) {
		return new EntryValue(mode(), this.ticket, held, null, 0, newToken, false, this.session, this.key);
	}

	/**
	 * The entry as a waiting request, flagged to draw a new token when it is granted. Its
	 * token is its ticket again. Only for a value whose numbers are resolved.
	 */
	EntryValue flag() {
		return new EntryValue(mode(), this.ticket, null, null, 0, this.ticket, true, this.session, this.key);
	}

	/**
	 * Reads a value; {@code null} when it is not one of ours (a foreign key in the bucket).
	 */
	static @Nullable EntryValue decode(byte @Nullable [] data) {
		if (data == null || data.length == 0) {
			return null;
		}
		String text = new String(data, StandardCharsets.UTF_8);
		try {
			if (text.startsWith(VERSION + " ")) {
				String[] parts = text.split(" ", 10);
				if (parts.length != 10 || !isFlag(parts[7]) || parts[8].isEmpty()) {
					return null;
				}
				return new EntryValue(LockMode.valueOf(parts[1]), Long.parseLong(parts[2]), mode(parts[3]),
						mode(parts[4]), Long.parseLong(parts[5]), Long.parseLong(parts[6]), FLAG.equals(parts[7]),
						session(parts[8]), parts[9]);
			}
			if (text.startsWith(VERSION_2 + " ")) {
				String[] parts = text.split(" ", 9);
				if (parts.length != 9 || !isFlag(parts[7])) {
					return null;
				}
				return new EntryValue(LockMode.valueOf(parts[1]), Long.parseLong(parts[2]), mode(parts[3]),
						mode(parts[4]), Long.parseLong(parts[5]), Long.parseLong(parts[6]), FLAG.equals(parts[7]),
						null, parts[8]);
			}
			if (text.startsWith(VERSION_1 + " ")) {
				String[] parts = text.split(" ", 4);
				if (parts.length != 4) {
					return null;
				}
				long ticket = Long.parseLong(parts[2]);
				return new EntryValue(LockMode.valueOf(parts[1]), ticket, null, null, 0, ticket, false, null, parts[3]);
			}
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		return null;
	}

	/**
	 * A session id read from a message, as the one instance of its text: a process's copy
	 * of the bucket holds every entry, and all entries of a session share its id (a
	 * session per process, so a handful of ids), which would otherwise cost a string per
	 * held lock.
	 */
	private static @Nullable String session(String field) {
		return NONE.equals(field) ? null : field.intern();
	}

	private static boolean isFlag(String field) {
		return FLAG.equals(field) || NONE.equals(field);
	}

	private static String name(@Nullable LockMode mode) {
		return (mode != null) ? mode.name() : NONE;
	}

	private static @Nullable LockMode mode(String name) {
		return NONE.equals(name) ? null : LockMode.valueOf(name);
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return this == other || (other instanceof EntryValue value && this.packed == value.packed
				&& this.ticket == value.ticket && this.order == value.order && this.token == value.token
				&& Objects.equals(this.session, value.session) && this.key.equals(value.key));
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.packed, this.ticket, this.order, this.token, this.session, this.key);
	}

	@Override
	public String toString() {
		return "EntryValue[mode=" + mode() + ", ticket=" + this.ticket + ", granted=" + granted() + ", requested="
				+ requested() + ", order=" + this.order + ", token=" + this.token + ", flagged=" + flagged()
				+ ", session=" + this.session + ", key=" + this.key + "]";
	}

}
