package dev.dlock;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A lock this manager holds or a request it waits for, for diagnostics (the actuator
 * endpoint, for example). A snapshot: it does not change.
 *
 * @param key the lock key
 * @param mode the mode
 * @param state held, waiting or lost
 * @param fencingToken the grant's token, or {@code null} while waiting
 * @param age how long the lock has been held, or the request has waited
 * @param leaseLeft how long the lease is proved alive from now on; zero when lost
 * @param convertingTo the mode a pending conversion asks for, or {@code null} when none
 * is pending; while it waits, {@code mode} and {@code fencingToken} are still the granted
 * ones
 * @param blockedModes for a held lock with a blocking listener: the modes of the requests
 * and conversions that wait for it, as its watch last saw them (its pending blocking
 * notifications); empty otherwise
 * @since 0.1.0
 */
public record LockInfo(String key, LockMode mode, State state, @Nullable Long fencingToken, Duration age,
		Duration leaseLeft, @Nullable LockMode convertingTo, Set<LockMode> blockedModes) {

	/**
	 * Creates a snapshot, checking the arguments.
	 * @param key the lock key
	 * @param mode the mode
	 * @param state held, waiting or lost
	 * @param fencingToken the grant's token, or {@code null} while waiting
	 * @param age how long the lock has been held, or the request has waited
	 * @param leaseLeft how long the lease is proved alive from now on
	 * @param convertingTo the mode a pending conversion asks for, or {@code null}
	 * @param blockedModes the modes that wait for a held lock with a blocking listener
	 */
	public LockInfo {
		Objects.requireNonNull(key, "'key' must not be null");
		Objects.requireNonNull(mode, "'mode' must not be null");
		Objects.requireNonNull(state, "'state' must not be null");
		blockedModes = Set.copyOf(blockedModes);
	}

	/**
	 * Creates a snapshot of a lock that nothing is known to wait for.
	 * @param key the lock key
	 * @param mode the mode
	 * @param state held, waiting or lost
	 * @param fencingToken the grant's token, or {@code null} while waiting
	 * @param age how long the lock has been held, or the request has waited
	 * @param leaseLeft how long the lease is proved alive from now on
	 * @param convertingTo the mode a pending conversion asks for, or {@code null}
	 */
	public LockInfo(String key, LockMode mode, State state, @Nullable Long fencingToken, Duration age,
			Duration leaseLeft, @Nullable LockMode convertingTo) {
		this(key, mode, state, fencingToken, age, leaseLeft, convertingTo, Set.of());
	}

	/**
	 * Creates a snapshot of a lock with no conversion pending.
	 * @param key the lock key
	 * @param mode the mode
	 * @param state held, waiting or lost
	 * @param fencingToken the grant's token, or {@code null} while waiting
	 * @param age how long the lock has been held, or the request has waited
	 * @param leaseLeft how long the lease is proved alive from now on; zero when lost
	 */
	public LockInfo(String key, LockMode mode, State state, @Nullable Long fencingToken, Duration age,
			Duration leaseLeft) {
		this(key, mode, state, fencingToken, age, leaseLeft, null);
	}

	/**
	 * Where a lock stands.
	 */
	public enum State {

		/** Granted and its lease proved alive. */
		HELD,

		/** Queued behind a conflicting request. */
		WAITING,

		/** Granted, but its lease can no longer be proved alive; not yet released. */
		LOST

	}

}
