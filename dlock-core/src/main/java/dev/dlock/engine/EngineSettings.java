package dev.dlock.engine;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The lock engine's settings, as the builder validated them.
 */
record EngineSettings(Duration leaseTime, Duration renewalInterval, Duration maxRecheckInterval,
		Duration closeTimeout, Executor callbackExecutor) {

	/**
	 * The renewal interval for a session with another lease time: the same share of it.
	 */
	Duration renewalIntervalFor(Duration sessionLease) {
		if (sessionLease.equals(this.leaseTime)) {
			return this.renewalInterval;
		}
		double share = (double) this.renewalInterval.toNanos() / this.leaseTime.toNanos();
		return Duration.ofNanos((long) (sessionLease.toNanos() * share));
	}

}
