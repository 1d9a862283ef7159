package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * A fair {@link ReentrantLock} per key inside this JVM: the reference for dlock's
 * in-memory backend, and the floor of the hand-off harness itself (waking a parked
 * thread).
 */
final class JvmLockLibrary implements LockLibrary {

	private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

	@Override
	public String server() {
		return "memory";
	}

	@Override
	public String name() {
		return "JVM ReentrantLock (fair)";
	}

	@Override
	public boolean renews() {
		return false;
	}

	@Override
	public LockClient connect() {
		return new LockClient() {

			@Override
			public @Nullable Held lock(String key, Kind kind, Duration wait) throws InterruptedException {
				ReentrantLock lock = JvmLockLibrary.this.locks.computeIfAbsent(key, (k) -> new ReentrantLock(true));
				return lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS) ? lock::unlock : null;
			}

			@Override
			public void close() {
			}

		};
	}

}
