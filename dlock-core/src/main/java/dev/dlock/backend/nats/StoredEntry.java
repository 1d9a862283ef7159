package dev.dlock.backend.nats;

import java.time.Instant;

import dev.dlock.LockMode;

/**
 * A queue entry as some server read showed it.
 *
 * @param owner the owner id (the second token of the KV key); a secret, never logged
 * @param mode the requested mode
 * @param ticket the create revision
 * @param revision the revision of the message that was read
 * @param written the server's timestamp of that message; the entry expires a max age
 * after it
 */
record StoredEntry(String owner, LockMode mode, long ticket, long revision, Instant written) {

	@Override
	public String toString() {
		return "StoredEntry[mode=" + this.mode + ", ticket=" + this.ticket + ", revision=" + this.revision + "]";
	}

}
