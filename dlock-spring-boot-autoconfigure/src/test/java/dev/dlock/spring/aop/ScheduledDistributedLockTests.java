package dev.dlock.spring.aop;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import dev.dlock.annotation.DistributedLock;
import dev.dlock.annotation.DistributedLock.OnBusy;
import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.spi.LockBackend;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @Scheduled} job on two application contexts ("instances") that share one lock
 * backend, whose clocks differ by one second: with {@code onBusy = SKIP} and a minimum
 * hold time it runs once per schedule tick; without the minimum hold time the late
 * instance runs the same tick again.
 */
class ScheduledDistributedLockTests {

	private static final Duration PERIOD = Duration.ofSeconds(2);

	private final InMemoryLockBackend sharedBackend = InMemoryLockBackend.create();

	private final List<Run> runs = new CopyOnWriteArrayList<>();

	@Test
	void jobRunsOncePerTickAcrossInstancesWhoseClocksDiffer() {
		runTwoInstances(MinHoldJob.class, () -> distinctTicks() >= 3);
		Map<Instant, Long> runsPerTick = runsPerTick();
		assertThat(runsPerTick).hasSizeGreaterThanOrEqualTo(3);
		assertThat(runsPerTick.values()).allMatch((count) -> count == 1);
	}

	@Test
	void withoutMinimumHoldTimeTheLateInstanceRunsTheSameTickAgain() {
		runTwoInstances(NoMinHoldJob.class, () -> runsPerTick().containsValue(2L));
		assertThat(this.runs).extracting(Run::instance).contains("early", "late");
	}

	private void runTwoInstances(Class<?> job, Callable<Boolean> done) {
		String key = "nightly-report:" + UUID.randomUUID();
		instance("early", Duration.ZERO, job, key).run((early) -> {
			assertThat(early).hasNotFailed();
			instance("late", Duration.ofSeconds(-1), job, key).run((late) -> {
				assertThat(late).hasNotFailed();
				await().atMost(Duration.ofSeconds(20)).until(done);
			});
		});
	}

	private ApplicationContextRunner instance(String name, Duration clockOffset, Class<?> job, String key) {
		Clock clock = Clock.offset(Clock.systemUTC(), clockOffset);
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
			.withPropertyValues("job.key=" + key, "job.instance=" + name)
			.withBean(LockBackend.class, () -> this.sharedBackend)
			.withBean(Clock.class, () -> clock)
			.withBean(RunLog.class, () -> this.runs::add)
			.withUserConfiguration(SchedulingConfiguration.class, job);
	}

	private long distinctTicks() {
		return runsPerTick().size();
	}

	private Map<Instant, Long> runsPerTick() {
		return this.runs.stream().collect(Collectors.groupingBy(Run::tick, Collectors.counting()));
	}

	/**
	 * One run of the job.
	 * @param instance the instance that ran it
	 * @param tick the schedule tick, by the clock of that instance
	 */
	record Run(String instance, Instant tick) {

		static Run at(String instance, Clock clock) {
			long periodMillis = PERIOD.toMillis();
			long now = clock.millis();
			return new Run(instance, Instant.ofEpochMilli(now - Math.floorMod(now, periodMillis)));
		}

	}

	@FunctionalInterface
	interface RunLog {

		void add(Run run);

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class SchedulingConfiguration {

		@Bean(destroyMethod = "shutdown")
		ThreadPoolTaskScheduler taskScheduler(Clock clock) {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setClock(clock);
			scheduler.setThreadNamePrefix("job-");
			scheduler.initialize();
			return scheduler;
		}

	}

	abstract static class Job {

		private final String instance;

		private final Clock clock;

		private final RunLog log;

		Job(String instance, Clock clock, RunLog log) {
			this.instance = instance;
			this.clock = clock;
			this.log = log;
		}

		void record() {
			this.log.add(Run.at(this.instance, this.clock));
		}

	}

	static class MinHoldJob extends Job {

		MinHoldJob(@Value("${job.instance}") String instance, Clock clock, RunLog log) {
			super(instance, clock, log);
		}

		@Scheduled(cron = "*/2 * * * * *")
		@DistributedLock(key = "${job.key}", waitTime = "0s", onBusy = OnBusy.SKIP, minHoldTime = "1500ms")
		public void run() {
			record();
		}

	}

	static class NoMinHoldJob extends Job {

		NoMinHoldJob(@Value("${job.instance}") String instance, Clock clock, RunLog log) {
			super(instance, clock, log);
		}

		@Scheduled(cron = "*/2 * * * * *")
		@DistributedLock(key = "${job.key}", waitTime = "0s", onBusy = OnBusy.SKIP)
		public void run() {
			record();
		}

	}

}
