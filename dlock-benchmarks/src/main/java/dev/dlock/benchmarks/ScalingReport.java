package dev.dlock.benchmarks;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The figures of a scaling run as markdown: the figures against held locks per backend
 * (with the plot), the server operations each lock operation costs, and one thread's
 * acquire + release pairs per second. {@code docs/scaling.md} cites it.
 */
final class ScalingReport {

	private static final List<String> SCALE_METRICS = List.of(Scale.HEAP, Scale.RENEWAL, Scale.LOST, Scale.FILL_RATE,
			"dlock threads", "client library threads");

	private final StringBuilder md = new StringBuilder();

	private ScalingReport() {
	}

	/** The section of the scale figures at one number of held locks. */
	static String section(int locks) {
		return Scale.SECTION + " " + locks;
	}

	static String write(Results results, Map<String, String> machine, List<Integer> sizes, Settings settings,
			String command, String plotFile, String rawFile) {
		ScalingReport report = new ScalingReport();
		report.render(results, machine, sizes, settings, command, plotFile, rawFile);
		return report.md.toString();
	}

	/**
	 * One figure's median per backend and size, for the plot.
	 * @return by backend, one value per size, {@code NaN} where not measured
	 */
	static Map<String, double[]> series(Results results, List<Integer> sizes, String metric) {
		Map<String, double[]> series = new LinkedHashMap<>();
		for (String server : servers(results)) {
			double[] values = new double[sizes.size()];
			for (int i = 0; i < sizes.size(); i++) {
				values[i] = results.find(section(sizes.get(i)), server, Figure.DLOCK, metric)
					.map(Figure::median)
					.orElse(Double.NaN);
			}
			series.put(server, values);
		}
		return series;
	}

	private static Set<String> servers(Results results) {
		Set<String> servers = new LinkedHashSet<>();
		results.figures().stream().filter((f) -> f.section().startsWith(Scale.SECTION + " ")).forEach((f) -> servers.add(f.server()));
		return servers;
	}

	private void render(Results results, Map<String, String> machine, List<Integer> sizes, Settings settings,
			String command, String plotFile, String rawFile) {
		line("# Scaling figures");
		line("");
		line("Written by the benchmark module; do not edit by hand. [scaling.md](scaling.md) explains them. "
				+ "Regenerate with:");
		line("");
		line("```bash");
		line(command);
		line("```");
		line("");
		line("Every figure below comes from that one run. Raw numbers: [`" + rawFile + "`](" + rawFile + ").");
		line("");
		line("| | |");
		line("|---|---|");
		machine.forEach((key, value) -> line("| " + key + " | " + value + " |"));
		line("");
		line("## Held locks");
		line("");
		line("![heap per held lock and renewal requests/s against held locks](" + plotFile + ")");
		line("");
		line("One client (one lock manager over its own backend) takes N locks on distinct keys with "
				+ Scale.FILLERS + " threads and holds them with a " + settings.scaleLease().toSeconds()
				+ " s lease (renewal every third of it). Heap: used heap after full collections, before and after "
				+ "acquiring, ÷ N. Renewal: server requests per second while the locks are only held ("
				+ settings.scaleRounds() + " rounds of " + settings.scaleWindow().toSeconds()
				+ " s, median; Redis script calls, etcd gRPC messages, NATS messages in). Locks lost: handles no "
				+ "longer valid when the holding ended (renewal did not keep up). Threads: started while connecting, "
				+ "acquiring and holding.");
		line("");
		StringBuilder header = new StringBuilder("| backend | held locks");
		StringBuilder rule = new StringBuilder("|---|---");
		for (String metric : SCALE_METRICS) {
			header.append(" | ").append(metric);
			rule.append("|---");
		}
		line(header + " |");
		line(rule + "|");
		for (String server : servers(results)) {
			for (int size : sizes) {
				StringBuilder row = new StringBuilder("| " + server + " | " + String.format("%,d", size));
				for (String metric : SCALE_METRICS) {
					row.append(" | ").append(cell(results.find(section(size), server, Figure.DLOCK, metric)));
				}
				line(row + " |");
			}
		}
		line("");
		renderOperations(results);
		renderUncontended(results);
		if (!results.notes().isEmpty()) {
			line("## Notes");
			line("");
			results.notes().forEach((subject, text) -> line("- **" + subject + "**: " + text));
			line("");
		}
	}

	private void renderOperations(Results results) {
		List<Figure> figures = results.figures()
			.stream()
			.filter((f) -> f.section().equals(ServerOperations.SECTION))
			.toList();
		if (figures.isEmpty()) {
			return;
		}
		line("## Server operations per lock operation");
		line("");
		line("Counted by each server around many operations of one kind, one after the other, and divided by "
				+ "their number: " + "acquires of distinct keys by one client, their releases, hand-off cycles (a "
				+ "holder, a second client that asks and waits " + "20 ms, the holder's release, the waiter's grant "
				+ "and its release), and a client's renewal rounds while it holds locks (rounds counted as window "
				+ "÷ renewal period). \"Hand-off beyond\" is a cycle less two acquires and two releases. "
				+ "Redis: commands from `INFO commandstats` (a script's own commands count; `EVALSHA` is the "
				+ "client's request). etcd: gRPC messages received per method, Raft proposals committed, MVCC "
				+ "operations. NATS: messages in (`/varz`), JetStream API requests and stream writes (`/jsz`). "
				+ "Byte counters are per operation too (after acquires: server memory per held lock).");
		line("");
		Set<String> servers = new LinkedHashSet<>();
		Set<String> operations = new LinkedHashSet<>();
		figures.forEach((f) -> {
			servers.add(f.server());
			operations.add(operation(f));
		});
		for (String server : servers) {
			line("**" + server + "**");
			line("");
			StringBuilder header = new StringBuilder("| counter");
			StringBuilder rule = new StringBuilder("|---");
			for (String operation : operations) {
				header.append(" | ").append(operation);
				rule.append("|---");
			}
			line(header + " |");
			line(rule + "|");
			Set<String> counters = new LinkedHashSet<>();
			figures.stream().filter((f) -> f.server().equals(server)).forEach((f) -> counters.add(counter(f)));
			for (String counter : counters.stream().sorted().toList()) {
				StringBuilder row = new StringBuilder("| " + counter);
				for (String operation : operations) {
					row.append(" | ").append(cell(results.find(ServerOperations.SECTION, server, Figure.DLOCK,
							operation + ServerOperations.SEPARATOR + counter)));
				}
				line(row + " |");
			}
			line("");
		}
	}

	private void renderUncontended(Results results) {
		List<Figure> figures = results.figures()
			.stream()
			.filter((f) -> f.section().equals(Uncontended.SECTION))
			.toList();
		if (figures.isEmpty()) {
			return;
		}
		line("## One thread: uncontended acquire + release");
		line("");
		line("One thread, one client, one key, acquire then release back to back (the benchmark's uncontended "
				+ "case): what one client sees one operation at a time.");
		line("");
		line("| backend | pairs/s | pair p50 (ms) | pair p99 (ms) |");
		line("|---|---|---|---|");
		for (String server : figures.stream().map(Figure::server).distinct().toList()) {
			line("| " + server + " | " + cell(results.find(Uncontended.SECTION, server, Figure.DLOCK, "ops/s")) + " | "
					+ cell(results.find(Uncontended.SECTION, server, Figure.DLOCK, "pair p50")) + " | "
					+ cell(results.find(Uncontended.SECTION, server, Figure.DLOCK, "pair p99")) + " |");
		}
		line("");
	}

	private static String operation(Figure figure) {
		return figure.metric().substring(0, figure.metric().indexOf(ServerOperations.SEPARATOR));
	}

	private static String counter(Figure figure) {
		return figure.metric().substring(figure.metric().indexOf(ServerOperations.SEPARATOR)
				+ ServerOperations.SEPARATOR.length());
	}

	/** A median, with the range in brackets when the rounds differ. */
	private static String cell(Optional<Figure> figure) {
		if (figure.isEmpty()) {
			return "";
		}
		Figure f = figure.get();
		String median = Format.number(f.median());
		return (f.rounds().length > 1 && f.min() != f.max())
				? median + " (" + Format.number(f.min()) + "–" + Format.number(f.max()) + ")" : median;
	}

	private void line(String text) {
		this.md.append(text).append('\n');
	}

}
