package dev.dlock.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.dlock.LockInfo;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import dev.dlock.shedlock.DlockLockProvider;
import dev.dlock.shedlock.autoconfigure.DlockShedLockAutoConfiguration;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.config.ScheduledTaskHolder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.BDDMockito.mock;

/**
 * Runs the README's {@code @SchedulerLock} example, as the scheduler runs it, in an
 * application with the auto-configured {@link DlockLockProvider} on the in-memory backend,
 * and checks that the README shows exactly this code.
 */
class ReadmeShedLockExampleTests {

	@Test
	void scheduledReportRunsUnderItsDlockLockAndIsTheOneInTheReadme() throws IOException {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(DlockAutoConfiguration.class, DlockShedLockAutoConfiguration.class))
			.withPropertyValues("dlock.backend=memory")
			.withUserConfiguration(ReportConfiguration.class)
			.run((context) -> {
				Runnable scheduledReport = context.getBean(ScheduledTaskHolder.class)
					.getScheduledTasks()
					.stream()
					.map((task) -> task.getTask().getRunnable())
					.findFirst()
					.orElseThrow();
				// report() throws unless DlockLockProvider.currentHandle() finds its lock
				scheduledReport.run();
				// the provider took it, so ShedLock ran report(); lockAtLeastFor keeps it after the run
				assertThat(context.getBean(LockManager.class).locks()).singleElement()
					.satisfies((lock) -> assertThat(lock).extracting(LockInfo::key, LockInfo::mode, LockInfo::state)
						.containsExactly("report", LockMode.EX, LockInfo.State.HELD));
			});
		assertThat(Files.readString(Path.of("../README.md"))).contains(tagged("report"));
	}

	@Test
	void reportFailsOutsideADlockLock() {
		assertThatExceptionOfType(NoSuchElementException.class).isThrownBy(new Reports()::report);
	}

	/**
	 * The lines of this file between the lines of one tag, without the tag lines'
	 * indentation and with tabs as four spaces, as the README shows them.
	 */
	private static String tagged(String tag) throws IOException {
		String source = Files.readString(Path.of("src/test/java/dev/dlock/docs/ReadmeShedLockExampleTests.java"));
		Matcher region = Pattern.compile("(?ms)^(\\t*)// tag::" + tag + "\\[]\\n(.*?)^\\t*// end::" + tag + "\\[]")
			.matcher(source);
		assertThat(region.find()).as("a region tagged '%s'", tag).isTrue();
		return region.group(2).replaceAll("(?m)^" + region.group(1), "").replace("\t", "    ");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	@EnableSchedulerLock(defaultLockAtMostFor = "PT30S")
	static class ReportConfiguration {

		@Bean
		Reports reports() {
			return new Reports();
		}

		/** Never fires: the test runs the scheduled task itself. */
		@Bean
		TaskScheduler taskScheduler() {
			return mock(TaskScheduler.class);
		}

	}

	/** Proxied by ShedLock. */
	static class Reports {

		// tag::report[]
		@Scheduled(cron = "0 */5 * * * *")
		@SchedulerLock(name = "report", lockAtMostFor = "PT10M", lockAtLeastFor = "PT30S")
		public void report() {
			long token = DlockLockProvider.currentHandle().orElseThrow().fencingToken();
			// write the report with the token
		}
		// end::report[]

	}

}
