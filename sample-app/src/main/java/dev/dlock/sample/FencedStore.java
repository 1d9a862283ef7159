package dev.dlock.sample;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

/**
 * A tiny storage service that protects itself with fencing tokens: it remembers the
 * highest token it has seen and rejects a write that carries a lower one. A writer that
 * was paused (a long GC, a network partition) while its lock expired and someone else
 * took it comes back with a stale token, and its write is refused.
 */
@Component
public class FencedStore {

	private long highestToken = -1;

	private @Nullable String value;

	/**
	 * Writes a value if the token is not older than any token seen.
	 * @param newValue the value
	 * @param token the writer's fencing token
	 * @return whether the write was accepted
	 */
	public synchronized boolean write(String newValue, long token) {
		if (token < this.highestToken) {
			return false;
		}
		this.highestToken = token;
		this.value = newValue;
		return true;
	}

	/**
	 * The value last accepted.
	 * @return the value, or {@code null} before the first write
	 */
	public synchronized @Nullable String value() {
		return this.value;
	}

	/**
	 * The highest token seen.
	 * @return the token, or {@code -1} before the first write
	 */
	public synchronized long highestToken() {
		return this.highestToken;
	}

}
