package dev.dlock.benchmarks;

import java.time.Duration;

/**
 * How long and how often each case runs.
 *
 * @param quick whether this is a short trial run
 * @param rounds measured rounds per figure (after one warm-up round)
 * @param warmUp the warm-up time of a timed case
 * @param round the length of one timed round of a single-thread case
 * @param handOffs hand-offs per round
 * @param contendedRound the length of one round of a multi-thread case
 * @param scaleLocks locks held at once in the scale case
 * @param scaleLease the lease time in the scale case (renewal every third of it)
 * @param scaleWindow the length of one renewal-counting round of the scale case
 * @param scaleRounds the renewal-counting rounds of the scale case
 * @param lease the lease time everywhere else
 */
record Settings(boolean quick, int rounds, Duration warmUp, Duration round, int handOffs, Duration contendedRound,
		int scaleLocks, Duration scaleLease, Duration scaleWindow, int scaleRounds, Duration lease) {

	/** The full run (about 9 minutes on 2 cores). */
	static Settings fullRun() {
		return new Settings(false, 5, Duration.ofMillis(1500), Duration.ofMillis(1500), 30, Duration.ofSeconds(2),
				10_000, Duration.ofSeconds(6), Duration.ofSeconds(4), 3, Duration.ofSeconds(30));
	}

	/**
	 * The same run with another number of locks in the scale case.
	 * @param locks the locks held at once, at least 1
	 * @return the settings
	 */
	Settings withScaleLocks(int locks) {
		if (locks < 1) {
			throw new IllegalArgumentException("'locks' must be at least 1, not " + locks);
		}
		return new Settings(this.quick, this.rounds, this.warmUp, this.round, this.handOffs, this.contendedRound, locks,
				this.scaleLease, this.scaleWindow, this.scaleRounds, this.lease);
	}

	/**
	 * The same run with another lease in the scale case, and renewal-counting rounds at
	 * least one renewal period (a third of the lease) long.
	 * @param lease the lease time, at least one second
	 * @return the settings
	 */
	Settings withScaleLease(Duration lease) {
		if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
			throw new IllegalArgumentException("'lease' must be at least 1 s, not " + lease);
		}
		Duration period = lease.dividedBy(3);
		Duration window = (period.compareTo(this.scaleWindow) > 0) ? period : this.scaleWindow;
		return new Settings(this.quick, this.rounds, this.warmUp, this.round, this.handOffs, this.contendedRound,
				this.scaleLocks, lease, window, this.scaleRounds, this.lease);
	}

	/** A short trial run: the same cases, fewer and shorter rounds, fewer locks. */
	static Settings quickRun() {
		return new Settings(true, 2, Duration.ofMillis(300), Duration.ofMillis(300), 8, Duration.ofMillis(500), 1_000,
				Duration.ofSeconds(6), Duration.ofSeconds(2), 2, Duration.ofSeconds(30));
	}

}
