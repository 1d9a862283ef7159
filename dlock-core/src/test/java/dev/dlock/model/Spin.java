package dev.dlock.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.dlock.LockMode;

/**
 * Runs spin on the grant-protocol model: {@code spin -a} with the run's switches, {@code gcc}
 * on the generated verifier, then {@code pan}; on an error, {@code spin -t} replays the trail
 * in words. The mode tables are passed from {@link LockMode}, so the model checks the
 * matrix the code uses.
 */
final class Spin {

	static final Path MODEL = Path.of("src", "test", "promela", "grant-protocol.pml");

	private static final Pattern ERRORS = Pattern.compile("errors: (\\d+)");

	private static final Pattern STATES = Pattern.compile("(\\d+) states, stored");

	private static final Pattern DEPTH = Pattern.compile("depth reached (\\d+)");

	private static final Pattern SECONDS = Pattern.compile("elapsed time ([0-9.e+]+) seconds");

	private final Path work;

	Spin(Path work) {
		this.work = work;
	}

	/**
	 * Checks one property of one configuration of the model.
	 * @param check what to check: the safety assertions, or the progress claim under weak
	 * fairness
	 * @param switches the model's compile-time switches, such as {@code NR=1}
	 * @return what spin found
	 */
	Result run(Check check, String... switches) throws IOException, InterruptedException {
		Path model = this.work.resolve(MODEL.getFileName());
		Files.copy(MODEL, model);
		List<String> defines = defines(switches);
		exec(command(List.of("spin"), defines, List.of("-a", model.getFileName().toString())));
		exec(command(List.of("gcc", check.optimize), List.of(check.compile), List.of("-w", "-o", "pan", "pan.c")));
		String output = exec(command(List.of("./pan"), List.of(check.search), List.of()));
		String trail = Files.exists(this.work.resolve(model.getFileName() + ".trail"))
				? exec(command(List.of("spin", "-T", "-t"), defines, List.of(model.getFileName().toString()))) : "";
		return new Result(output, trail);
	}

	private static List<String> defines(String... switches) {
		List<String> defines = new ArrayList<>();
		for (LockMode mode : LockMode.values()) {
			defines.add("-DROW_" + mode.name() + "=" + bits(mode, true));
			defines.add("-DCOV_" + mode.name() + "=" + bits(mode, false));
		}
		Arrays.stream(switches).map((name) -> "-D" + name).forEach(defines::add);
		return defines;
	}

	/**
	 * One row of a mode table as the model reads it: bit {@code b} is set when the mode is
	 * compatible with (or covers) the mode of ordinal {@code b}.
	 */
	static int bits(LockMode mode, boolean compatibility) {
		int bits = 0;
		for (LockMode other : LockMode.values()) {
			if (compatibility ? mode.isCompatibleWith(other) : mode.covers(other)) {
				bits |= 1 << other.ordinal();
			}
		}
		return bits;
	}

	private static List<String> command(List<String> program, List<String> options, List<String> arguments) {
		List<String> command = new ArrayList<>(program);
		command.addAll(options);
		command.addAll(arguments);
		return command;
	}

	private String exec(List<String> command) throws IOException, InterruptedException {
		Process process;
		try {
			process = new ProcessBuilder(command).directory(this.work.toFile()).redirectErrorStream(true).start();
		}
		catch (IOException ex) {
			throw new IllegalStateException(command.get(0)
					+ " is needed to check the model: install the Debian packages spin and gcc (.ci/run does)", ex);
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(10, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			throw new IllegalStateException(String.join(" ", command) + " did not finish");
		}
		if (process.exitValue() != 0 && !command.get(0).equals("./pan") && !command.contains("-t")) {
			throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
		}
		return output;
	}

	/**
	 * What to check, and how to compile and run the verifier for it.
	 */
	enum Check {

		/** Assertions (S1, S2, no wait-for cycle) and end states, exhaustive, depth first. */
		SAFETY("-O1", "-DSAFETY -DNOCLAIM -DCOLLAPSE", "-m200000 -w24"),

		/**
		 * The same, no deeper than 40 steps: for a model expected to fail, so that its trail is
		 * short enough to read.
		 */
		SAFETY_SHALLOW("-O0", "-DSAFETY -DNOCLAIM -DCOLLAPSE", "-m40 -w24"),

		/** The progress claim under weak fairness, with the assertions. */
		PROGRESS("-O1", "-DCOLLAPSE -DNFAIR=3", "-a -f -N progress -m200000 -w24"),

		/** The progress claim under weak fairness alone (assertions off). */
		PROGRESS_ONLY("-O0", "-DCOLLAPSE -DNFAIR=3", "-a -f -A -N progress -m200000 -w24");

		private final String optimize;

		private final String[] compile;

		private final String[] search;

		Check(String optimize, String compile, String search) {
			this.optimize = optimize;
			this.compile = compile.split(" ");
			this.search = search.split(" ");
		}

	}

	/**
	 * What spin reported.
	 * @param output the verifier's report
	 * @param trail the replayed counterexample, in words, or empty
	 */
	record Result(String output, String trail) {

		int errors() {
			return number(ERRORS, -1);
		}

		long states() {
			return number(STATES, -1);
		}

		long depth() {
			return number(DEPTH, -1);
		}

		double seconds() {
			Matcher matcher = SECONDS.matcher(this.output);
			return matcher.find() ? Double.parseDouble(matcher.group(1)) : -1;
		}

		/** Whether the search covered everything it was asked to: no depth or memory limit hit. */
		boolean complete() {
			return !this.output.contains("max search depth too small") && !this.output.contains("out of memory")
					&& !this.output.contains("Search not completed");
		}

		String figures() {
			return "%d states, depth %d, %.1f s".formatted(states(), depth(), seconds());
		}

		private int number(Pattern pattern, int none) {
			Matcher matcher = pattern.matcher(this.output);
			return matcher.find() ? Integer.parseInt(matcher.group(1)) : none;
		}

	}

}
