package dev.dlock.spring.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.spi.BackendHealth;
import dev.dlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * A {@link HealthIndicator} for dlock: UP when the lock backend answers and no lock of the
 * {@link LockManager} is lost; DOWN with a reason otherwise.
 * <p>
 * The details name the backend and the round trip of its health check, and count the
 * locks held, waiting and lost. They never carry owner ids, lock keys or credentials:
 * details from the backend whose names suggest a secret are left out, and user
 * information in URIs of the reason is masked.
 *
 * @since 0.1.0
 */
public class DlockHealthIndicator implements HealthIndicator {

	/**
	 * How long a health check waits for the backend by default: one second, the time
	 * orchestrators such as Kubernetes give a probe by default. A backend that does not
	 * answer is reported DOWN within it.
	 */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

	private static final Pattern SECRET_NAME = Pattern
		.compile("(?i).*(password|passwd|secret|credential|token|owner|user|auth).*");

	private static final Pattern URI_USER_INFO = Pattern.compile("://[^/@\\s]+@");

	private final LockBackend backend;

	private final @Nullable LockManager lockManager;

	private final Duration timeout;

	/**
	 * Creates an indicator that waits {@link #DEFAULT_TIMEOUT} for the backend.
	 * @param backend the lock backend to check
	 * @param lockManager the lock manager whose locks are checked for loss, if any
	 */
	public DlockHealthIndicator(LockBackend backend, @Nullable LockManager lockManager) {
		this(backend, lockManager, DEFAULT_TIMEOUT);
	}

	/**
	 * Creates an indicator.
	 * @param backend the lock backend to check
	 * @param lockManager the lock manager whose locks are checked for loss, if any
	 * @param timeout how long to wait for the backend's answer
	 */
	public DlockHealthIndicator(LockBackend backend, @Nullable LockManager lockManager, Duration timeout) {
		this.backend = Objects.requireNonNull(backend, "'backend' must not be null");
		this.lockManager = lockManager;
		this.timeout = Objects.requireNonNull(timeout, "'timeout' must not be null");
	}

	@Override
	public Health health() {
		Health.Builder builder = Health.up().withDetail("backend", this.backend.name());
		BackendHealth health;
		try {
			health = this.backend.health().get(this.timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return builder.down().withDetail("reason", "interrupted while checking the backend").build();
		}
		catch (TimeoutException ex) {
			return builder.down()
				.withDetail("reason", "the backend did not answer within " + format(this.timeout))
				.build();
		}
		catch (ExecutionException | RuntimeException ex) {
			Throwable cause = (ex instanceof ExecutionException && ex.getCause() != null) ? ex.getCause() : ex;
			return builder.down().withDetail("reason", mask(cause.toString())).build();
		}
		builder.withDetail("roundTrip", format(health.roundTrip()));
		health.details().forEach((name, value) -> {
			if (!SECRET_NAME.matcher(name).matches()) {
				builder.withDetail(name, value);
			}
		});
		if (!health.up()) {
			String reason = health.reason();
			builder.down().withDetail("reason", (reason != null) ? mask(reason) : "the backend reports it is down");
		}
		if (this.lockManager != null) {
			checkLocks(this.lockManager.locks(), builder, health.up());
		}
		return builder.build();
	}

	private static void checkLocks(List<LockInfo> locks, Health.Builder builder, boolean backendUp) {
		Map<LockInfo.State, Integer> counts = new LinkedHashMap<>();
		for (LockInfo.State state : LockInfo.State.values()) {
			counts.put(state, 0);
		}
		locks.forEach((lock) -> counts.merge(lock.state(), 1, Integer::sum));
		builder.withDetail("held", counts.get(LockInfo.State.HELD))
			.withDetail("waiting", counts.get(LockInfo.State.WAITING))
			.withDetail("lost", counts.get(LockInfo.State.LOST));
		int lost = counts.get(LockInfo.State.LOST);
		if (lost > 0) {
			builder.down();
			if (backendUp) {
				builder.withDetail("reason", lost + ((lost == 1) ? " lock was" : " locks were")
						+ " lost: the session lease expired before it was renewed");
			}
		}
	}

	private static String mask(String text) {
		return URI_USER_INFO.matcher(text).replaceAll("://***@");
	}

	private static String format(Duration duration) {
		return String.format(Locale.ROOT, "%.1fms", duration.toNanos() / 1_000_000.0);
	}

}
