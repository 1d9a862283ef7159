package dev.dlock.spring.aop;

import java.util.Optional;

import dev.dlock.LockHandle;
import org.jspecify.annotations.Nullable;

/**
 * Gives a {@link dev.dlock.annotation.DistributedLock @DistributedLock} method access to
 * the lock it runs under, without changing its signature: for example to pass the
 * {@linkplain LockHandle#fencingToken() fencing token} to a resource, or to call
 * {@link LockHandle#ensureValid()} before a side effect.
 * <p>
 * The handle is bound to the calling thread while a blocking method runs, and while the
 * synchronous part of a method that returns a {@code CompletionStage} runs. Reactive
 * methods find it in the Reactor context instead, under the key {@code LockHandle.class}:
 * {@code Mono.deferContextual(ctx -> ...ctx.get(LockHandle.class)...)}.
 * <p>
 * A method may convert its lock in place through the handle, for example read under
 * {@code PR}, then {@code currentHandle().orElseThrow().convert(LockMode.PW, waitTime)}
 * and write with the new {@linkplain LockHandle#fencingToken() token}; the interceptor
 * releases the lock in whatever mode the method leaves it. A guarded method called from
 * another one on the same key and thread runs under a re-entrant hold of the outer lock,
 * which cannot be converted ({@code IllegalStateException}): convert in the outermost
 * method.
 *
 * @since 0.1.0
 */
public final class DistributedLocks {

	private static final ThreadLocal<@Nullable LockHandle> current = new ThreadLocal<>();

	private DistributedLocks() {
	}

	/**
	 * The lock of the innermost {@code @DistributedLock} method running on this thread.
	 * Never blocks.
	 * @return the handle, or empty outside a guarded method
	 */
	public static Optional<LockHandle> currentHandle() {
		return Optional.ofNullable(current.get());
	}

	/**
	 * Binds a handle to this thread.
	 * @param handle the handle of the method about to run
	 * @return the handle bound before, to give to {@link #restore}
	 */
	static @Nullable LockHandle bind(LockHandle handle) {
		LockHandle previous = current.get();
		current.set(handle);
		return previous;
	}

	/**
	 * Restores the binding that {@link #bind} replaced.
	 * @param previous what {@code bind} returned
	 */
	static void restore(@Nullable LockHandle previous) {
		if (previous != null) {
			current.set(previous);
		}
		else {
			current.remove();
		}
	}

}
