package dev.dlock.benchmarks;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small SVG chart of hand-off latency per library on a logarithmic axis: a whisker from
 * p1 to p99, a box from p25 to p75, and a mark with the value at p50.
 */
final class SvgPlot {

	private static final int WIDTH = 900;

	private static final int LEFT = 250;

	private static final int RIGHT = 120;

	private static final int TOP = 50;

	private static final int ROW = 30;

	private static final int BOTTOM = 50;

	private SvgPlot() {
	}

	static String handOff(Map<String, Samples> distributions, String subtitle) {
		double low = Double.MAX_VALUE;
		double high = 0;
		for (Samples samples : distributions.values()) {
			low = Math.min(low, Math.max(1e-3, samples.percentileMillis(1)));
			high = Math.max(high, samples.percentileMillis(99));
		}
		if (distributions.isEmpty()) {
			low = 0.1;
			high = 100;
		}
		double from = Math.pow(10, Math.floor(Math.log10(low)));
		double to = Math.pow(10, Math.ceil(Math.log10(Math.max(high, from * 10))));
		int height = TOP + ROW * Math.max(1, distributions.size()) + BOTTOM;
		StringBuilder svg = new StringBuilder();
		svg.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
						+ "font-family=\"sans-serif\" font-size=\"13\">%n",
				WIDTH, height, WIDTH, height));
		svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
		svg.append(text(10, 20, "Hand-off latency: release → waiter's acquire returns (ms, log scale)", "start",
				"font-size=\"15\" font-weight=\"bold\""));
		svg.append(text(10, 38, subtitle, "start", "fill=\"#555\" font-size=\"11\""));
		int axisY = TOP + ROW * Math.max(1, distributions.size());
		for (double tick = from; tick <= to * 1.0001; tick *= 10) {
			for (int minor = 1; minor < 10; minor++) {
				double value = tick * minor;
				if (value > to * 1.0001) {
					break;
				}
				double x = x(value, from, to);
				svg.append(String.format(Locale.ROOT,
						"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n", x, TOP - 5, x, axisY,
						(minor == 1) ? "#bbb" : "#eee"));
			}
			svg.append(text(x(tick, from, to), axisY + 18, tickLabel(tick), "middle", ""));
		}
		svg.append(text(LEFT + (WIDTH - LEFT - RIGHT) / 2.0, axisY + 38, "milliseconds", "middle", "fill=\"#555\""));
		int row = 0;
		List<String> palette = List.of("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
				"#17becf", "#7f7f7f", "#bcbd22");
		List<String> labels = new ArrayList<>(distributions.keySet());
		for (String label : labels) {
			long[] sorted = distributions.get(label).sorted();
			double y = TOP + ROW * row + ROW / 2.0;
			String color = label.endsWith(Figure.DLOCK) ? "#1f77b4" : palette.get(1 + row % (palette.size() - 1));
			double p1 = clamp(Stats.percentile(sorted, 1) / 1e6, from);
			double p25 = clamp(Stats.percentile(sorted, 25) / 1e6, from);
			double p50 = clamp(Stats.percentile(sorted, 50) / 1e6, from);
			double p75 = clamp(Stats.percentile(sorted, 75) / 1e6, from);
			double p99 = clamp(Stats.percentile(sorted, 99) / 1e6, from);
			svg.append(text(LEFT - 10, y + 4, label, "end", label.endsWith(Figure.DLOCK) ? "font-weight=\"bold\"" : ""));
			svg.append(String.format(Locale.ROOT,
					"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
					x(p1, from, to), y, x(p99, from, to), y, color));
			svg.append(String.format(Locale.ROOT,
					"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\" fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\"/>%n",
					x(p25, from, to), y - 6, Math.max(1, x(p75, from, to) - x(p25, from, to)), color, color));
			svg.append(String.format(Locale.ROOT,
					"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>%n",
					x(p50, from, to), y - 9, x(p50, from, to), y + 9, color));
			svg.append(text(x(p99, from, to) + 6, y + 4, "p50 " + Format.number(p50) + " ms", "start",
					"fill=\"#333\" font-size=\"11\""));
			row++;
		}
		svg.append("</svg>\n");
		return svg.toString();
	}

	static String tickLabel(double tick) {
		return new BigDecimal(tick, new MathContext(3)).stripTrailingZeros().toPlainString();
	}

	private static double clamp(double value, double from) {
		return Math.max(value, from);
	}

	private static double x(double value, double from, double to) {
		double span = Math.log10(to) - Math.log10(from);
		return LEFT + (WIDTH - LEFT - RIGHT) * (Math.log10(value) - Math.log10(from)) / span;
	}

	private static String text(double x, double y, String content, String anchor, String attributes) {
		return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>%s</text>%n", x, y, anchor,
				attributes, escape(content));
	}

	static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}

}
