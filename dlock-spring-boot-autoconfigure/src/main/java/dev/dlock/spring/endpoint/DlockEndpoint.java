package dev.dlock.spring.endpoint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The read-only {@code dlock} actuator endpoint: the locks that this instance holds, waits
 * for or has lost. It offers no way to release or break a lock.
 * <p>
 * Keys can carry customer data, so the endpoint can mask them: a masked key is
 * {@code sha256:} and the first 12 hex digits of the SHA-256 of the key, the same on
 * every instance, so that an operator who knows a key can find its lock.
 *
 * @since 0.1.0
 */
@Endpoint(id = "dlock")
public class DlockEndpoint {

	private final LockManager lockManager;

	private final boolean maskKeys;

	/**
	 * Creates the endpoint.
	 * @param lockManager the lock manager whose locks are listed
	 * @param maskKeys whether to show a hash instead of each key
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
		return new LockDescriptor(this.maskKeys ? mask(lock.key()) : lock.key(), lock.mode().name(),
				lock.state().name(), lock.fencingToken(), waiting ? null : lock.age(), waiting ? lock.age() : null,
				lock.leaseLeft());
	}

	/**
	 * The masked form of a key.
	 * @param key a lock key
	 * @return {@code sha256:} and the first 12 hex digits of the key's SHA-256
	 */
	public static String mask(String key) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
			return "sha256:" + HexFormat.of().formatHex(digest, 0, 6);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
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
	 * @param key the key, or its hash when keys are masked
	 * @param mode the lock mode
	 * @param state {@code HELD}, {@code WAITING} or {@code LOST}
	 * @param fencingToken the fencing token of a granted lock; {@code null} while waiting
	 * @param heldFor since when the lock is granted; {@code null} while waiting
	 * @param waitingFor since when the request waits; {@code null} once granted
	 * @param leaseLeft how long the lease lasts without renewal
	 */
	public record LockDescriptor(String key, String mode, String state, @Nullable Long fencingToken,
			@Nullable Duration heldFor, @Nullable Duration waitingFor, Duration leaseLeft) {
	}

}
