package dev.dlock.backend.nats;

import java.time.Instant;

import dev.dlock.LockMode;

/**
 * A queue entry as some server read showed it.
 *
 * @param owner the owner id (the second token of the KV key); a secret, never logged
 * @param value the value, with every "this message" number replaced by the revision
 * @param revision the revision of the message that was read
 * @param written the server's timestamp of that message; the entry expires a max age
 * after it
 */
record StoredEntry(String owner, EntryValue value, long revision, Instant written) {

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
				+ ", requested=" + this.value.requested() + ", revision=" + this.revision + "]";
	}

}
