package dev.dlock.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

import dev.dlock.support.TimeSource;

/**
 * Time that moves only when a test advances it; due tasks run on the advancing thread.
 */
public final class ManualTime implements TimeSource {

	private final PriorityQueue<Task> tasks = new PriorityQueue<>();

	private long now = 1_000_000_000L;

	private long sequence;

	@Override
	public synchronized long nanoTime() {
		return this.now;
	}

	@Override
	public synchronized Cancellable schedule(Duration delay, Runnable runnable) {
		Task task = new Task(this.now + Math.max(0, delay.toNanos()), this.sequence++, runnable);
		this.tasks.add(task);
		return () -> {
			synchronized (this) {
				this.tasks.remove(task);
			}
		};
	}

	/**
	 * Moves time forward, running every task that falls due on the way, in order.
	 * @param duration how far to move
	 */
	public void advance(Duration duration) {
		long target;
		synchronized (this) {
			target = this.now + duration.toNanos();
		}
		while (true) {
			Task next;
			synchronized (this) {
				next = this.tasks.peek();
				if (next == null || next.due > target) {
					this.now = target;
					return;
				}
				this.tasks.poll();
				this.now = Math.max(this.now, next.due);
			}
			next.runnable.run();
		}
	}

	/**
	 * The tasks waiting to run; for tests of timer hygiene.
	 * @return the count
	 */
	public synchronized int pendingTasks() {
		return this.tasks.size();
	}

	List<Long> dueTimes() {
		synchronized (this) {
			List<Long> due = new ArrayList<>();
			this.tasks.forEach((task) -> due.add(task.due));
			return due;
		}
	}

	private record Task(long due, long sequence, Runnable runnable) implements Comparable<Task> {

		@Override
		public int compareTo(Task other) {
			int byDue = Long.compare(this.due, other.due);
			return (byDue != 0) ? byDue : Long.compare(this.sequence, other.sequence);
		}

	}

}
