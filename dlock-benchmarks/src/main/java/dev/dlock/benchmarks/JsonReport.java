package dev.dlock.benchmarks;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The raw numbers of a run as JSON: every figure with its per-round values, the ratios,
 * every hand-off latency, the targets and the machine.
 */
final class JsonReport {

	private final StringBuilder json = new StringBuilder();

	private JsonReport() {
	}

	static String write(Results results, Map<String, String> machine, Settings settings, String command,
			List<Target> targets) {
		JsonReport report = new JsonReport();
		report.render(results, machine, settings, command, targets);
		return report.json.toString();
	}

	private void render(Results results, Map<String, String> machine, Settings settings, String command,
			List<Target> targets) {
		this.json.append("{\n  \"command\": ").append(string(command)).append(",\n");
		this.json.append("  \"settings\": ").append(string(settings.toString())).append(",\n");
		this.json.append("  \"machine\": {");
		appendMap(machine);
		this.json.append("},\n  \"figures\": [\n");
		Iterator<Figure> figures = results.figures().iterator();
		while (figures.hasNext()) {
			Figure figure = figures.next();
			Optional<Figure> floor = results.floorOf(figure);
			Optional<Figure> peer = figure.isDlock() ? results.bestPeerOf(figure) : Optional.empty();
			this.json.append("    {\"section\": ").append(string(figure.section()));
			this.json.append(", \"server\": ").append(string(figure.server()));
			this.json.append(", \"library\": ").append(string(figure.library()));
			this.json.append(", \"metric\": ").append(string(figure.metric()));
			this.json.append(", \"unit\": ").append(string(figure.unit()));
			this.json.append(", \"better\": ").append(string(figure.better().name().toLowerCase(Locale.ROOT)));
			this.json.append(", \"median\": ").append(number(figure.median()));
			this.json.append(", \"min\": ").append(number(figure.min()));
			this.json.append(", \"max\": ").append(number(figure.max()));
			this.json.append(", \"rounds\": [");
			for (int i = 0; i < figure.rounds().length; i++) {
				this.json.append((i > 0) ? ", " : "").append(number(figure.rounds()[i]));
			}
			this.json.append("]");
			if (floor.isPresent()) {
				this.json.append(", \"floor\": ").append(string(floor.get().library() + " " + floor.get().metric()));
				this.json.append(", \"ratioToFloor\": ").append(number(Results.ratio(figure, floor.get())));
			}
			if (peer.isPresent()) {
				this.json.append(", \"bestPeer\": ").append(string(peer.get().library()));
				this.json.append(", \"ratioToBestPeer\": ").append(number(Results.ratio(figure, peer.get())));
			}
			this.json.append(figures.hasNext() ? "},\n" : "}\n");
		}
		this.json.append("  ],\n  \"handOffMillis\": {");
		Iterator<Map.Entry<String, Samples>> distributions = results.distributions().entrySet().iterator();
		while (distributions.hasNext()) {
			Map.Entry<String, Samples> entry = distributions.next();
			this.json.append("\n    ").append(string(entry.getKey())).append(": [");
			long[] sorted = entry.getValue().sorted();
			for (int i = 0; i < sorted.length; i++) {
				this.json.append((i > 0) ? ", " : "").append(number(sorted[i] / 1e6));
			}
			this.json.append(distributions.hasNext() ? "]," : "]");
		}
		this.json.append("\n  },\n  \"targets\": [\n");
		for (int i = 0; i < targets.size(); i++) {
			Target target = targets.get(i);
			this.json.append("    {\"issue\": ").append(target.issue());
			this.json.append(", \"server\": ").append(string(target.server()));
			this.json.append(", \"target\": ").append(string(target.text()));
			this.json.append(", \"ratio\": ").append(number(target.ratio()));
			this.json.append(", \"how\": ").append(string(target.how()));
			this.json.append(", \"bound\": ").append(string(target.bound()));
			this.json.append(", \"verdict\": ").append(string(target.verdict()));
			this.json.append((i < targets.size() - 1) ? "},\n" : "}\n");
		}
		this.json.append("  ],\n  \"notes\": {");
		appendMap(results.notes());
		this.json.append("}\n}\n");
	}

	private void appendMap(Map<String, String> map) {
		Iterator<Map.Entry<String, String>> entries = map.entrySet().iterator();
		while (entries.hasNext()) {
			Map.Entry<String, String> entry = entries.next();
			this.json.append("\n    ").append(string(entry.getKey())).append(": ").append(string(entry.getValue()));
			this.json.append(entries.hasNext() ? "," : "\n  ");
		}
	}

	static String number(double value) {
		if (!Double.isFinite(value)) {
			return "null";
		}
		if (value == Math.rint(value) && Math.abs(value) < 1e15) {
			return Long.toString((long) value);
		}
		return new BigDecimal(value, new MathContext(6)).stripTrailingZeros().toPlainString();
	}

	static String string(String text) {
		StringBuilder out = new StringBuilder("\"");
		for (char c : text.toCharArray()) {
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> {
					if (c < 0x20) {
						out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
					}
					else {
						out.append(c);
					}
				}
			}
		}
		return out.append('"').toString();
	}

}
