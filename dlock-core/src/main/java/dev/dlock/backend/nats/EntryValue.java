package dev.dlock.backend.nats;

import java.nio.charset.StandardCharsets;

import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

/**
 * The value of a queue entry in the bucket: {@code v1 <mode> <ticket> <readable key>}.
 * <p>
 * The ticket is the create revision of the entry. The first write cannot know it yet and
 * stores {@code 0}, which means "the revision of this very message"; renewals store the
 * real ticket so that it survives the new revisions they make. The readable key is there
 * for diagnostics only ({@code nats kv get}); the entry's KV key carries the encoded one.
 *
 * @param mode the requested mode
 * @param ticket the ticket, or {@code 0} in the first write
 * @param key the readable user key
 */
record EntryValue(LockMode mode, long ticket, String key) {

	private static final String VERSION = "v1";

	byte[] encode() {
		return (VERSION + " " + this.mode.name() + " " + this.ticket + " " + this.key).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * The ticket of an entry whose message has the given revision.
	 */
	long ticketAt(long revision) {
		return (this.ticket != 0) ? this.ticket : revision;
	}

	/**
	 * Reads a value; {@code null} when it is not one of ours (a foreign key in the bucket).
	 */
	static @Nullable EntryValue decode(byte @Nullable [] data) {
		if (data == null || data.length == 0) {
			return null;
		}
		String[] parts = new String(data, StandardCharsets.UTF_8).split(" ", 4);
		if (parts.length != 4 || !VERSION.equals(parts[0])) {
			return null;
		}
		try {
			return new EntryValue(LockMode.valueOf(parts[1]), Long.parseLong(parts[2]), parts[3]);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

}
