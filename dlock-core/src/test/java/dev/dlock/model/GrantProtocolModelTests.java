package dev.dlock.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.dlock.LockMode;
import dev.dlock.model.Spin.Check;
import dev.dlock.model.Spin.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model checking of the grant protocol with lock conversion: the Promela model in
 * {@code src/test/promela/grant-protocol.pml}, 3 clients, all six modes, checked by spin
 * for safety (no two conflicting grants), token order (S2), no undetected conversion
 * deadlock, and progress under weak fairness; and broken variants of the model, each
 * expected to fail one property, which shows that the checks can fail.
 * {@code docs/model-checking.md} says what each run covers. Fails (never skips) when
 * {@code spin} or {@code gcc} is missing.
 */
class GrantProtocolModelTests {

	private static final Logger logger = LoggerFactory.getLogger(GrantProtocolModelTests.class);

	@TempDir
	Path work;

	@Test
	void oneResourceEveryHistory() throws Exception {
		// exhaustive and unbounded: the model keeps only the order of its numbers
		holds("safety, 3 clients x 1 resource, unbounded", Check.SAFETY, "NR=1", "SIGNALS");
	}

	@Test
	void oneResourceProgress() throws Exception {
		holds("progress, 3 clients x 1 resource, 5 operations", Check.PROGRESS, "NR=1", "SIGNALS", "BUDGET=5");
	}

	@Test
	void twoResources() throws Exception {
		holds("safety, 3 clients x 2 resources, 2 operations each", Check.SAFETY, "NR=2", "SIGNALS", "BUDGET=2");
	}

	@Test
	void twoResourcesProgress() throws Exception {
		holds("progress, 3 clients x 2 resources, 2 operations each", Check.PROGRESS, "NR=2", "SIGNALS",
				"BUDGET=2");
	}

	@Test
	void flaggingWaitersOnlyAtAConversionBreaksTokenOrder() throws Exception {
		// the rule as first stated: a flagged waiter's new token is not passed on to later waiters
		fails(Check.SAFETY_SHALLOW, "a conflicting grant with a larger token has ended", "NR=1", "ORIGINAL_FLAGS");
	}

	@Test
	void withoutFreshTokensTokenOrderBreaks() throws Exception {
		fails(Check.SAFETY_SHALLOW, "a conflicting grant with a larger token has ended", "NR=1", "NO_FRESH_FLAGS");
	}

	@Test
	void refusingOnlyTwoEntryCyclesMissesADeadlock() throws Exception {
		fails(Check.SAFETY_SHALLOW, "a wait-for cycle among pending conversions is left", "NR=1", "PAIRS_ONLY");
	}

	@Test
	void withoutRefusalAConversionDeadlockStarvesARequest() throws Exception {
		fails(Check.PROGRESS_ONLY, "START OF CYCLE", "NR=1", "BUDGET=4", "NO_REFUSAL");
	}

	@Test
	void withoutTheRecheckTimerALostSignalStarvesARequest() throws Exception {
		fails(Check.PROGRESS_ONLY, "START OF CYCLE", "NR=1", "BUDGET=4", "SIGNALS", "NO_TIMER");
	}

	@Test
	void modeTablesOfTheModelAreThoseOfLockMode() throws IOException {
		// the runs pass the tables from LockMode; the defaults are for running spin by hand
		String model = Files.readString(Spin.MODEL);
		for (LockMode mode : LockMode.values()) {
			assertThat(defaultOf(model, "ROW_" + mode)).as("ROW_" + mode).isEqualTo(Spin.bits(mode, true));
			assertThat(defaultOf(model, "COV_" + mode)).as("COV_" + mode).isEqualTo(Spin.bits(mode, false));
		}
	}

	private void holds(String name, Check check, String... switches) throws Exception {
		Result result = new Spin(this.work).run(check, switches);
		logger.info("spin {}: {}", name, result.figures());
		assertThat(result.errors()).as(() -> result.output() + "\n" + result.trail()).isZero();
		assertThat(result.complete()).as(result::output).isTrue();
		assertThat(result.states()).isPositive();
	}

	private void fails(Check check, String expected, String... switches) throws Exception {
		Result result = new Spin(this.work).run(check, switches);
		assertThat(result.errors()).as(result::output).isPositive();
		assertThat(result.trail()).contains(expected);
	}

	private static int defaultOf(String model, String name) {
		Matcher matcher = Pattern.compile("#define " + name + " (\\d+)").matcher(model);
		assertThat(matcher.find()).as(name).isTrue();
		return Integer.parseInt(matcher.group(1));
	}

}
