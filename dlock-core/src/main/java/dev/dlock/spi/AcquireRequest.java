package dev.dlock.spi;

import java.util.Objects;
import java.util.Set;

import dev.dlock.LockMode;

/**
 * A request for a lock, as the engine hands it to a backend.
 *
 * @param key the user's key, unencoded; backends encode it with
 * {@link dev.dlock.support.KeyCodec}
 * @param mode the requested mode
 * @param ownerId a random, unguessable id of this request; the secret that proves
 * ownership. Never log it.
 * @param waitIfBusy whether to stay in the queue when not granted at once
 * @since 0.1.0
 */
public record AcquireRequest(String key, LockMode mode, String ownerId, boolean waitIfBusy) {

	/**
	 * Creates a request, checking the arguments.
	 * @param key the user's key, unencoded
	 * @param mode the requested mode
	 * @param ownerId the secret id of this request
	 * @param waitIfBusy whether to stay in the queue when not granted at once
	 */
	public AcquireRequest {
		Objects.requireNonNull(key, "'key' must not be null");
		Objects.requireNonNull(mode, "'mode' must not be null");
		Objects.requireNonNull(ownerId, "'ownerId' must not be null");
	}

	/**
	 * The modes that must not be held or queued earlier for this request to be granted,
	 * from {@link LockMode}'s matrix.
	 * @return the conflicting modes
	 */
	public Set<LockMode> conflictingModes() {
		return this.mode.conflictingModes();
	}

	@Override
	public String toString() {
		// the owner id is a secret
		return "AcquireRequest[key=" + this.key + ", mode=" + this.mode + ", waitIfBusy=" + this.waitIfBusy + "]";
	}

}
