package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Redisson's {@code RLock} (and {@code RReadWriteLock} for the modes), with its lock
 * watchdog renewing held locks; one {@code RedissonClient} per client. Redisson's defaults
 * otherwise, except a small idle pool so that clients start quickly.
 *
 * @param address the Redis URI
 * @param lease the lock watchdog timeout
 */
record RedissonLibrary(String address, Duration lease) implements LockLibrary {

	@Override
	public String server() {
		return "redis";
	}

	@Override
	public String name() {
		return "Redisson RLock";
	}

	@Override
	public String modesName() {
		return "Redisson RReadWriteLock";
	}

	@Override
	public boolean hasModes() {
		return true;
	}

	@Override
	public LockClient connect() {
		Config config = new Config();
		config.setLockWatchdogTimeout(this.lease.toMillis());
		config.useSingleServer()
			.setAddress(this.address)
			.setConnectionMinimumIdleSize(2)
			.setSubscriptionConnectionMinimumIdleSize(1);
		RedissonClient redisson = Redisson.create(config);
		return new LockClient() {

			@Override
			public @Nullable Held lock(String key, Kind kind, Duration wait) throws InterruptedException {
				RLock lock = switch (kind) {
					case EXCLUSIVE -> redisson.getLock(key);
					case READ -> redisson.getReadWriteLock(key).readLock();
					case WRITE -> redisson.getReadWriteLock(key).writeLock();
				};
				return lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS) ? lock::unlock : null;
			}

			@Override
			public void close() {
				redisson.shutdown(0, 2, TimeUnit.SECONDS);
			}

		};
	}

}
