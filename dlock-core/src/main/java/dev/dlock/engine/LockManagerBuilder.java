package dev.dlock.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

import dev.dlock.LockManager;
import dev.dlock.observation.LockAcquisitionConvention;
import dev.dlock.observation.LockBlockingConvention;
import dev.dlock.observation.LockConversionConvention;
import dev.dlock.observation.LockHoldConvention;
import dev.dlock.observation.LockRenewalConvention;
import dev.dlock.spi.LockBackend;
import dev.dlock.spi.LockThreads;
import dev.dlock.support.Durations;
import dev.dlock.support.TimeSource;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link LockManager}. Not thread-safe; each {@link #build()} makes an
 * independent manager.
 *
 * @since 0.1.0
 */
public final class LockManagerBuilder {

	private final LockBackend backend;

	private Duration leaseTime = Duration.ofSeconds(30);

	private @Nullable Duration renewalInterval;

	private Duration maxRecheckInterval = Duration.ofSeconds(1);

	private Duration closeTimeout = Duration.ofSeconds(5);

	private @Nullable TimeSource timeSource;

	private @Nullable Executor callbackExecutor;

	private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private @Nullable LockAcquisitionConvention acquisitionConvention;

	private @Nullable LockHoldConvention holdConvention;

	private @Nullable LockRenewalConvention renewalConvention;

	private @Nullable LockConversionConvention conversionConvention;

	private @Nullable LockBlockingConvention blockingConvention;

	private LockManagerBuilder(LockBackend backend) {
		this.backend = Objects.requireNonNull(backend, "'backend' must not be null");
	}

	/**
	 * Starts building a lock manager on a backend.
	 * @param backend the backend; the manager does not close it
	 * @return the builder
	 */
	public static LockManagerBuilder forBackend(LockBackend backend) {
		return new LockManagerBuilder(backend);
	}

	/**
	 * The default lease time: how long the backend keeps a lock of a holder that stopped
	 * renewing (crashed or cut off). Default 30 seconds.
	 * @param leaseTime a positive duration
	 * @return this builder
	 */
	public LockManagerBuilder leaseTime(Duration leaseTime) {
		this.leaseTime = Durations.positive(leaseTime, "leaseTime");
		return this;
	}

	/**
	 * How often held and waiting entries are renewed. Default: a third of the lease time.
	 * @param renewalInterval a positive duration shorter than the lease time
	 * @return this builder
	 */
	public LockManagerBuilder renewalInterval(Duration renewalInterval) {
		this.renewalInterval = Durations.positive(renewalInterval, "renewalInterval");
		return this;
	}

	/**
	 * The longest a waiting request goes without polling the backend when no change signal
	 * arrives (signals can be lost). Default 1 second.
	 * @param maxRecheckInterval a positive duration
	 * @return this builder
	 */
	public LockManagerBuilder maxRecheckInterval(Duration maxRecheckInterval) {
		this.maxRecheckInterval = Durations.positive(maxRecheckInterval, "maxRecheckInterval");
		return this;
	}

	/**
	 * How long {@link LockManager#close()} waits for the backend to confirm releases.
	 * Default 5 seconds.
	 * @param closeTimeout a positive duration
	 * @return this builder
	 */
	public LockManagerBuilder closeTimeout(Duration closeTimeout) {
		this.closeTimeout = Durations.positive(closeTimeout, "closeTimeout");
		return this;
	}

	/**
	 * The clock and timer; tests pass one they can advance. Default: the system clock and
	 * the timer thread of the backend's {@link LockBackend#threads() threads}, or of the
	 * manager's own when the backend has none.
	 * @param timeSource the time source; the manager does not close it
	 * @return this builder
	 */
	public LockManagerBuilder timeSource(TimeSource timeSource) {
		this.timeSource = Objects.requireNonNull(timeSource, "'timeSource' must not be null");
		return this;
	}

	/**
	 * Where lock-loss listeners run and where the futures of
	 * {@link LockManager#acquireAsync} complete, so that the application's code never runs on
	 * a backend client's I/O thread. Default: the worker thread of the backend's
	 * {@link LockBackend#threads() threads}, or of the manager's own when the backend has
	 * none: one thread, so a listener that blocks delays the ones after it. Give an
	 * executor of your own when listeners may block for long.
	 * @param callbackExecutor the executor
	 * @return this builder
	 */
	public LockManagerBuilder callbackExecutor(Executor callbackExecutor) {
		this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "'callbackExecutor' must not be null");
		return this;
	}

	/**
	 * Where to report the {@code dlock.acquire}, {@code dlock.hold} and {@code dlock.renew}
	 * observations. Default: none.
	 * @param observationRegistry the registry
	 * @return this builder
	 */
	public LockManagerBuilder observationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = Objects.requireNonNull(observationRegistry,
				"'observationRegistry' must not be null");
		return this;
	}

	/**
	 * A convention that replaces the default names and tags of {@code dlock.acquire}.
	 * @param convention the convention
	 * @return this builder
	 */
	public LockManagerBuilder acquisitionConvention(LockAcquisitionConvention convention) {
		this.acquisitionConvention = Objects.requireNonNull(convention, "'convention' must not be null");
		return this;
	}

	/**
	 * A convention that replaces the default names and tags of {@code dlock.hold}.
	 * @param convention the convention
	 * @return this builder
	 */
	public LockManagerBuilder holdConvention(LockHoldConvention convention) {
		this.holdConvention = Objects.requireNonNull(convention, "'convention' must not be null");
		return this;
	}

	/**
	 * A convention that replaces the default names and tags of {@code dlock.renew}.
	 * @param convention the convention
	 * @return this builder
	 */
	public LockManagerBuilder renewalConvention(LockRenewalConvention convention) {
		this.renewalConvention = Objects.requireNonNull(convention, "'convention' must not be null");
		return this;
	}

	/**
	 * A convention that replaces the default names and tags of {@code dlock.convert}.
	 * @param convention the convention
	 * @return this builder
	 */
	public LockManagerBuilder conversionConvention(LockConversionConvention convention) {
		this.conversionConvention = Objects.requireNonNull(convention, "'convention' must not be null");
		return this;
	}

	/**
	 * A convention that replaces the default names and tags of {@code dlock.blocking}.
	 * @param convention the convention
	 * @return this builder
	 */
	public LockManagerBuilder blockingConvention(LockBlockingConvention convention) {
		this.blockingConvention = Objects.requireNonNull(convention, "'convention' must not be null");
		return this;
	}

	/**
	 * Builds the manager.
	 * @return a new manager
	 * @throws IllegalArgumentException if the renewal interval is not shorter than the
	 * lease time
	 */
	public LockManager build() {
		Duration renewal = (this.renewalInterval != null) ? this.renewalInterval : this.leaseTime.dividedBy(3);
		if (renewal.compareTo(this.leaseTime) >= 0) {
			throw new IllegalArgumentException("'renewalInterval' must be shorter than 'leaseTime'");
		}
		LockThreads shared = this.backend.threads().orElse(null);
		// a pair of the manager's own only when the backend has none and the manager needs one
		LockThreads owned = (shared == null && (this.timeSource == null || this.callbackExecutor == null))
				? LockThreads.create() : null;
		LockThreads threads = (shared != null) ? shared : owned;
		Executor callbacks = (this.callbackExecutor != null) ? this.callbackExecutor
				: Objects.requireNonNull(threads).worker();
		TimeSource time = (this.timeSource != null) ? this.timeSource : TimeSource.on(Objects.requireNonNull(threads));
		EngineSettings settings = new EngineSettings(this.leaseTime, renewal, this.maxRecheckInterval,
				this.closeTimeout, callbacks);
		EngineObservations observations = new EngineObservations(this.observationRegistry, this.backend.name(),
				this.acquisitionConvention, this.holdConvention, this.renewalConvention, this.conversionConvention,
				this.blockingConvention);
		return new DefaultLockManager(this.backend, settings, observations, time, owned);
	}

}
