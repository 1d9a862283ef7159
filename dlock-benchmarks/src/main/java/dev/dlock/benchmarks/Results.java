package dev.dlock.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.dlock.benchmarks.Figure.Better;
import org.jspecify.annotations.Nullable;

/**
 * Every figure of a run, in the order measured, plus the notes of what could not be
 * measured. Thread-safe.
 */
final class Results {

	private final List<Figure> figures = new ArrayList<>();

	private final Map<String, String> notes = new LinkedHashMap<>();

	private final Map<String, Samples> distributions = new LinkedHashMap<>();

	synchronized Figure add(Figure figure) {
		this.figures.add(figure);
		System.out.printf("  %-12s %-6s %-32s %-18s %12s %s  [%s .. %s]%n", figure.section(), figure.server(),
				figure.library(), figure.metric(), Format.number(figure.median()), figure.unit(),
				Format.number(figure.min()), Format.number(figure.max()));
		return figure;
	}

	Figure add(String section, String server, String library, String metric, String unit, Better better,
			double[] rounds) {
		return add(new Figure(section, server, library, metric, unit, better, rounds, null, null));
	}

	/**
	 * Runs one part of a run: prints its name and subject, and notes a failure here instead
	 * of ending the run.
	 * @param name the part, as the console shows it
	 * @param subject what it runs on
	 * @param part the work
	 */
	void runPart(String name, String subject, Part part) {
		System.out.println("[" + name + "] " + subject);
		try {
			part.run();
		}
		catch (Exception | LinkageError ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			ex.printStackTrace();
			note(subject + " (" + name + ")", "failed: " + ex);
		}
	}

	synchronized void note(String subject, String text) {
		if (!text.equals(this.notes.put(subject, text))) {
			System.out.println("  note: " + subject + ": " + text);
		}
	}

	/** Keeps every hand-off latency of a library, for the plot and the raw numbers. */
	synchronized void distribution(String server, String library, Samples samples) {
		this.distributions.put(server + " · " + library, samples);
	}

	/** The hand-off latencies by {@code "server · library"}, in the order measured. */
	synchronized Map<String, Samples> distributions() {
		return Collections.unmodifiableMap(new LinkedHashMap<>(this.distributions));
	}

	synchronized List<Figure> figures() {
		return List.copyOf(this.figures);
	}

	synchronized Map<String, String> notes() {
		return Collections.unmodifiableMap(new LinkedHashMap<>(this.notes));
	}

	synchronized Optional<Figure> find(String section, String server, String library, String metric) {
		return this.figures.stream()
			.filter((f) -> f.section().equals(section) && f.server().equals(server) && f.library().equals(library)
					&& f.metric().equals(metric))
			.findFirst();
	}

	/** The floor figure a figure is compared with, if it names one that was measured. */
	Optional<Figure> floorOf(Figure figure) {
		if (figure.floorLibrary() == null || figure.floorMetric() == null) {
			return Optional.empty();
		}
		return find(Figure.FLOOR, figure.server(), figure.floorLibrary(), figure.floorMetric());
	}

	/** The best peer figure of the same section, server and metric. */
	synchronized Optional<Figure> bestPeerOf(Figure figure) {
		return this.figures.stream()
			.filter((f) -> f.isPeer() && f.section().equals(figure.section()) && f.server().equals(figure.server())
					&& f.metric().equals(figure.metric()) && Double.isFinite(f.median()))
			.reduce((a, b) -> better(a, b, figure.better()));
	}

	private static Figure better(Figure a, Figure b, Better better) {
		boolean aWins = (better == Better.HIGHER) ? a.median() >= b.median() : a.median() <= b.median();
		return aWins ? a : b;
	}

	/**
	 * {@code figure ÷ reference} on medians.
	 * @return the ratio, or {@code NaN} when there is no reference
	 */
	static double ratio(Figure figure, @Nullable Figure reference) {
		if (reference == null || reference.median() == 0) {
			return Double.NaN;
		}
		return figure.median() / reference.median();
	}

	/** A part of a run that may fail. */
	@FunctionalInterface
	interface Part {

		void run() throws Exception;

	}

}
