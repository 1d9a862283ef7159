package dev.dlock.sample;

import dev.dlock.LockHandle;
import dev.dlock.annotation.DistributedLock;
import dev.dlock.spring.aop.DistributedLocks;

import org.springframework.stereotype.Service;

/**
 * Writes to the {@link FencedStore} under an exclusive lock, passing the lock's fencing
 * token along.
 */
@Service
public class FencedWriter {

	static final String KEY = "fenced:store";

	private final FencedStore store;

	public FencedWriter(FencedStore store) {
		this.store = store;
	}

	/**
	 * Writes under the lock with the current token.
	 * @param value the value
	 * @return the token used and whether the store accepted it
	 */
	@DistributedLock(key = KEY, waitTime = "5s")
	public Write write(String value) {
		LockHandle handle = DistributedLocks.currentHandle().orElseThrow();
		long token = handle.fencingToken();
		return new Write(token, this.store.write(value, token));
	}

	/**
	 * The outcome of a write.
	 * @param token the fencing token the write carried
	 * @param accepted whether the store accepted it
	 */
	public record Write(long token, boolean accepted) {
	}

}
