package dev.dlock.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * The only threads dlock starts for a backend and the lock managers built on it: one
 * timer thread and one worker thread.
 * <ul>
 * <li>{@code dlock-timer-<n>} runs delayed tasks ({@link #schedule}) and short hand-overs
 * that never block ({@link #timer()}): renewal rounds, timeouts, a backend's results
 * continuing into the lock engine, the signal of a change a waiter missed.</li>
 * <li>{@code dlock-worker-<n>} runs tasks that may block ({@link #worker()}): the
 * application's callbacks (lock-loss listeners, the completion of an asynchronous acquire)
 * unless the lock manager was given a callback executor of its own, and a backend's rare
 * blocking calls (the NATS watcher re-subscribing). Nothing that a lock grant is decided
 * on runs here, so a callback that blocks delays the callbacks behind it but never a
 * grant. A callback that waits for a {@code CompletableFuture} (say, the acquire of
 * another lock) is given a spare thread for the tasks behind it, as in a fork-join pool,
 * since the completion it waits for may itself be queued behind it.</li>
 * </ul>
 * Both are daemon threads, each started by its first task. {@link #close()} stops them;
 * after it, delayed tasks are dropped and tasks handed to either executor run on the
 * caller's thread. The client libraries' own threads (Lettuce's event loops, jetcd's gRPC
 * threads, jnats' reader and dispatchers) are theirs, not counted here. Thread-safe.
 *
 * @since 0.1.0
 */
public final class LockThreads implements AutoCloseable {

	private static final AtomicInteger sets = new AtomicInteger();

	private final ScheduledThreadPoolExecutor timerPool;

	private final ForkJoinPool workerPool;

	private final Executor timer = this::runOnTimer;

	private final Executor worker = this::runOnWorker;

	private volatile @Nullable Thread timerThread;

	private LockThreads(int id) {
		this.timerPool = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = daemon(task, "dlock-timer-" + id);
			this.timerThread = thread;
			return thread;
		});
		this.timerPool.setRemoveOnCancelPolicy(true);
		// a fork-join pool of one: a task that waits for a CompletableFuture (a callback that
		// acquires another lock) gets a spare thread for the tasks behind it instead of
		// blocking them, which could dead-lock a callback waiting for its own hand-over
		this.workerPool = new ForkJoinPool(1, (pool) -> {
			ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
			thread.setName("dlock-worker-" + id);
			return thread;
		}, null, true);
	}

	/**
	 * A new pair of threads, not started yet; the names end with a number of their own.
	 * @return the threads; whoever creates them closes them
	 */
	public static LockThreads create() {
		return new LockThreads(sets.incrementAndGet());
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	/**
	 * Runs a task once after a delay on the timer thread. The task must be quick and must
	 * not block. After {@link #close()} the task is dropped.
	 * @param delay the delay; zero or negative runs it as soon as possible
	 * @param task the task
	 * @return what cancels the task if it has not run yet
	 */
	public Future<?> schedule(Duration delay, Runnable task) {
		try {
			return this.timerPool.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			return CompletableFuture.completedFuture(null);
		}
	}

	/**
	 * Runs short tasks that never block on the timer thread, in the order given.
	 * @return the executor; it never rejects a task
	 */
	public Executor timer() {
		return this.timer;
	}

	/**
	 * Whether the calling thread is the timer thread, where a result that must leave a
	 * client's I/O thread already is.
	 * @return whether this is the timer thread
	 */
	public boolean isTimerThread() {
		return Thread.currentThread() == this.timerThread;
	}

	/**
	 * Runs tasks that may block on the worker thread, one at a time, in the order given.
	 * @return the executor; it never rejects a task
	 */
	public Executor worker() {
		return this.worker;
	}

	private void runOnTimer(Runnable task) {
		run(this.timerPool, task);
	}

	private void runOnWorker(Runnable task) {
		run(this.workerPool, task);
	}

	private static void run(Executor pool, Runnable task) {
		try {
			pool.execute(task);
		}
		catch (RejectedExecutionException ex) {
			task.run();
		}
	}

	/**
	 * Stops both threads: delayed tasks not yet run are dropped, and the worker ends once
	 * it has run the tasks already handed to it (callbacks of locks lost or released
	 * while closing). Does not wait for that. Idempotent.
	 */
	@Override
	public void close() {
		this.timerPool.shutdownNow();
		this.workerPool.shutdown();
	}

}
