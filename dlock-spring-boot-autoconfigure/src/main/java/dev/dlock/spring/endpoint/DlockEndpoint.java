package dev.dlock.spring.endpoint;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The read-only {@code dlock} actuator endpoint: the locks that this instance holds, waits
 * for or has lost, and the mode a held lock is converting to. It offers no way to release
 * or break a lock.
 * <p>
 * Keys can carry customer data, so the endpoint can mask them: a masked key is
 * {@code hmac:} and the first 16 hex digits of the HMAC-SHA256 of the key under a secret
 * that each endpoint draws from {@link java.security.SecureRandom} when it is created and
 * keeps in memory only.
 * <ul>
 * <li>The same key shows the same mask in every answer of one instance, until it
 * restarts, so the entries of one key can be followed from call to call.</li>
 * <li>Masks of different instances, or of one instance before and after a restart, are
 * not comparable.</li>
 * <li>Without the secret, a mask cannot be computed from a guessed key, so a dictionary
 * of likely keys does not reverse it.</li>
 * <li>A mask has a fixed length, so it hides the key's length too. It does not hide how
 * many locks there are, their modes, states, fencing tokens and times, nor which entries
 * share a key. Nor does it protect against anyone who can read the process's memory (a
 * heap dump holds the secret, and the keys themselves).</li>
 * </ul>
 *
 * @since 0.1.0
 */
@Endpoint(id = "dlock")
public class DlockEndpoint {

	private final LockManager lockManager;

	private final boolean maskKeys;

	private final KeyMask keyMask = KeyMask.withRandomSecret();

	/**
	 * Creates the endpoint.
	 * @param lockManager the lock manager whose locks are listed
	 * @param maskKeys whether to show a keyed hash instead of each key
	 */
	public DlockEndpoint(LockManager lockManager, boolean maskKeys) {
		this.lockManager = Objects.requireNonNull(lockManager, "'lockManager' must not be null");
		this.maskKeys = maskKeys;
	}

	/**
	 * The locks of this instance.
	 * @return the locks held, waited for and lost, and whether keys are masked
	 */
	@ReadOperation
	public LocksDescriptor locks() {
		List<LockDescriptor> locks = this.lockManager.locks().stream().map(this::describe).toList();
		return new LocksDescriptor(this.maskKeys, locks);
	}

	private LockDescriptor describe(LockInfo lock) {
		boolean waiting = lock.state() == LockInfo.State.WAITING;
		LockMode convertingTo = lock.convertingTo();
		return new LockDescriptor(this.maskKeys ? mask(lock.key()) : lock.key(), lock.mode().name(),
				lock.state().name(), lock.fencingToken(), waiting ? null : lock.age(), waiting ? lock.age() : null,
				lock.leaseLeft(), (convertingTo != null) ? convertingTo.name() : null,
				lock.blockedModes().stream().map(LockMode::name).sorted().toList());
	}

	/**
	 * The masked form of a key, as this endpoint shows it.
	 * @param key a lock key
	 * @return {@code hmac:} and the first 16 hex digits of the key's HMAC-SHA256 under this
	 * endpoint's secret
	 */
	public String mask(String key) {
		return this.keyMask.apply(key);
	}

	/**
	 * The endpoint's answer.
	 * @param keysMasked whether the keys are hashes
	 * @param locks the locks
	 */
	public record LocksDescriptor(boolean keysMasked, List<LockDescriptor> locks) {
	}

	/**
	 * One lock of this instance.
	 * @param key the key, or its mask when keys are masked
	 * @param mode the lock mode
	 * @param state {@code HELD}, {@code WAITING} or {@code LOST}
	 * @param fencingToken the fencing token of a granted lock; {@code null} while waiting
	 * @param heldFor since when the lock is granted; {@code null} while waiting
	 * @param waitingFor since when the request waits; {@code null} once granted
	 * @param leaseLeft how long the lease lasts without renewal
	 * @param convertingTo the mode a pending conversion asks for, while {@code mode} and
	 * {@code fencingToken} stay the granted ones; {@code null} when none is pending
	 * @param blockedModes for a held lock with a blocking listener: the modes of the requests
	 * and conversions that wait for it (its pending blocking notifications); empty otherwise
	 */
	public record LockDescriptor(String key, String mode, String state, @Nullable Long fencingToken,
			@Nullable Duration heldFor, @Nullable Duration waitingFor, Duration leaseLeft,
			@Nullable String convertingTo, List<String> blockedModes) {
	}

}
