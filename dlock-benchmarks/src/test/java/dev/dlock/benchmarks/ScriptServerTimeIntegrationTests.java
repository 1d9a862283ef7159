package dev.dlock.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ScriptServerTime} in a tiny run against a private {@code redis-server}: every kind
 * of script call gets a row with a server time read from the server's counters, in both
 * ways of sending.
 */
class ScriptServerTimeIntegrationTests {

	private static final List<String> KINDS = List.of("floor: delete-and-publish script",
			"floor: SET PX script", "dlock acquire, granted", "dlock release", "dlock acquire that has to wait",
			"dlock conversion of a lone holder");

	@Test
	void everyKindOfCallGetsAServerTimeBackToBackAndAfterPauses() throws Exception {
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
			ScriptServerTime.run(3, out);
		}
		String report = printed.toString(StandardCharsets.UTF_8);
		String[] halves = report.split("Each call after");
		assertThat(halves).as(report).hasSize(2);
		for (String kind : KINDS) {
			assertThat(serverTime(halves[0], kind)).as(kind + " back to back").isPositive();
			assertThat(serverTime(halves[1], kind)).as(kind + " after pauses").isPositive();
		}
	}

	/** The server time in µs on the row of a kind of call. */
	private static double serverTime(String report, String kind) {
		Matcher row = Pattern.compile(Pattern.quote(kind) + ".*?\\s([0-9.]+)( / +[0-9]+)? µs").matcher(report);
		assertThat(row.find()).as("a row for " + kind + " in:\n" + report).isTrue();
		return Double.parseDouble(row.group(1));
	}

}
