package dev.dlock.sample;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.dlock.annotation.DistributedLock;
import dev.dlock.annotation.DistributedLock.OnBusy;
import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A scheduled job that runs on one instance at a time: each instance's scheduler fires
 * it, the instance that gets the lock runs it, the others skip that round. The lock is
 * kept for at least {@code minHoldTime}, so that an instance whose clock fires a little
 * later does not run the same round again.
 */
@Component
public class ReportJob {

	private final AtomicInteger runs = new AtomicInteger();

	private final AtomicReference<@Nullable Instant> lastRun = new AtomicReference<>();

	/**
	 * Runs the job if no other instance runs it now.
	 */
	@Scheduled(fixedDelayString = "${sample.report.interval:5s}", initialDelayString = "${sample.report.initial-delay:1s}")
	@DistributedLock(key = "job:report", onBusy = OnBusy.SKIP, minHoldTime = "${sample.report.min-hold:2s}")
	public void run() {
		this.runs.incrementAndGet();
		this.lastRun.set(Instant.now());
	}

	/**
	 * How many times this instance ran the job.
	 * @return the count
	 */
	public int runs() {
		return this.runs.get();
	}

	/**
	 * When this instance last ran the job.
	 * @return the instant, or {@code null} before the first run
	 */
	public @Nullable Instant lastRun() {
		return this.lastRun.get();
	}

}
