package dev.dlock.spring.lifecycle;

import java.util.Objects;

import dev.dlock.LockManager;

import org.springframework.context.SmartLifecycle;

/**
 * Closes a {@link LockManager} while the application context stops, before the clients it
 * uses are stopped: it releases the held locks (also those kept for a minimum hold time)
 * and withdraws the waiting requests, so that other instances get the locks at once
 * rather than when the leases run out.
 * <p>
 * Spring stops {@link SmartLifecycle} beans from the highest phase to the lowest, and
 * destroys beans only after that. Spring Data Redis's {@code LettuceConnectionFactory} is
 * a lifecycle of phase 0 that shuts its client down, so a lock manager closed as a bean
 * destroy method would find its Redis connection gone. The default {@link #PHASE} puts
 * the close after everything that may still run guarded code:
 * <ol>
 * <li>{@code DEFAULT_PHASE - 1024}: the web server's graceful shutdown, which waits for
 * the requests in progress;</li>
 * <li>{@code DEFAULT_PHASE - 2048}: the web server stops;</li>
 * <li>{@code DEFAULT_PHASE / 2}: Spring's task executors and schedulers (the ones behind
 * {@code @Async} and {@code @Scheduled}) stop; a thread pool waits for the tasks it runs,
 * unless it was told to wait only when it is destroyed;</li>
 * <li><b>{@link #PHASE} ({@code DEFAULT_PHASE / 2 - 1024}): the lock manager closes;</b></li>
 * <li>0: the Lettuce connection factory stops; then beans are destroyed, among them the
 * lock backend and any etcd or NATS client it uses.</li>
 * </ol>
 * Guarded code that still runs at that point, on a thread that Spring does not stop
 * first (an executor of your own, the common pool), loses its lock: its handle turns
 * invalid, as when a lease is lost, and another instance may take the lock while the code
 * runs on. Such code should check {@code LockHandle.ensureValid()} before each side
 * effect, or stop its threads in a higher phase.
 * <p>
 * The lock manager cannot be reopened: it is not paused by
 * {@code ConfigurableApplicationContext.pause()}, and after an explicit
 * {@code stop()} of the context it stays closed.
 *
 * @since 0.1.0
 */
public final class LockManagerLifecycle implements SmartLifecycle {

	/**
	 * The default phase: right after Spring's task executors and schedulers
	 * ({@code DEFAULT_PHASE / 2}), long before connection factories (0).
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE / 2 - 1024;

	private final LockManager lockManager;

	private final int phase;

	private volatile boolean running;

	/**
	 * Creates a lifecycle that closes the lock manager in the default {@link #PHASE}.
	 * @param lockManager the lock manager to close
	 */
	public LockManagerLifecycle(LockManager lockManager) {
		this(lockManager, PHASE);
	}

	/**
	 * Creates a lifecycle that closes the lock manager in the given phase.
	 * @param lockManager the lock manager to close
	 * @param phase the phase: higher than that of every client the lock manager uses
	 */
	public LockManagerLifecycle(LockManager lockManager, int phase) {
		this.lockManager = Objects.requireNonNull(lockManager, "'lockManager' must not be null");
		this.phase = phase;
	}

	@Override
	public void start() {
		this.running = true;
	}

	/**
	 * Closes the lock manager: releases its locks, withdraws its waiting requests and
	 * waits a bounded time for the backend to confirm.
	 */
	@Override
	public void stop() {
		this.running = false;
		this.lockManager.close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

	@Override
	public boolean isPauseable() {
		return false;
	}

}
