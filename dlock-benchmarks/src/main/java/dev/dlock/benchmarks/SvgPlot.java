package dev.dlock.benchmarks;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small SVG charts: hand-off latency per library on a logarithmic axis (a whisker from p1
 * to p99, a box from p25 to p75, and a mark with the value at p50), and two figures of each
 * backend against the number of held locks (one line per backend in each panel).
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
		StringBuilder svg = opened(height, "Hand-off latency: release → waiter's acquire returns (ms, log scale)",
				subtitle);
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

	/** A new picture of the given height: the white page, the title and the subtitle. */
	private static StringBuilder opened(int height, String title, String subtitle) {
		StringBuilder svg = new StringBuilder();
		svg.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
						+ "font-family=\"sans-serif\" font-size=\"13\">%n",
				WIDTH, height, WIDTH, height));
		svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
		svg.append(text(10, 20, title, "start", "font-size=\"15\" font-weight=\"bold\""));
		svg.append(text(10, 38, subtitle, "start", "fill=\"#555\" font-size=\"11\""));
		return svg;
	}

	/**
	 * Two panels side by side, each with one line per backend against the number of held
	 * locks on a logarithmic axis: heap per held lock (bytes, linear from 0) and renewal
	 * requests per second (logarithmic).
	 * @param sizes the numbers of held locks, ascending
	 * @param heap bytes per held lock by backend, one value per size ({@code NaN} if not measured)
	 * @param heapTarget a target of the heap per held lock, drawn as a dashed line
	 * @param renewal renewal requests per second by backend, likewise
	 */
	static String perHeldLock(List<Integer> sizes, Map<String, double[]> heap, double heapTarget,
			Map<String, double[]> renewal, String subtitle) {
		int height = 400;
		StringBuilder svg = opened(height, "dlock: heap per held lock and renewal traffic against held locks", subtitle);
		Panel left = new Panel(70, 430, TOP + 20, height - BOTTOM - 30, false);
		Panel right = new Panel(530, 880, TOP + 20, height - BOTTOM - 30, true);
		left.draw(svg, "heap per held lock (bytes)", sizes, heap, heapTarget);
		left.target(svg, heapTarget, heap, "target " + Format.number(heapTarget) + " B");
		right.draw(svg, "renewal requests/s (log scale)", sizes, renewal, 0);
		double legendX = 70;
		for (String backend : heap.keySet()) {
			String color = color(backend);
			svg.append(String.format(Locale.ROOT,
					"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2.5\"/>%n", legendX,
					height - 14, legendX + 24, height - 14, color));
			svg.append(text(legendX + 30, height - 10, backend, "start", ""));
			legendX += 110;
		}
		svg.append("</svg>\n");
		return svg.toString();
	}

	private static String color(String backend) {
		return switch (backend) {
			case "redis" -> "#d62728";
			case "etcd" -> "#1f77b4";
			case "nats" -> "#2ca02c";
			default -> "#7f7f7f";
		};
	}

	/** One panel of {@link #perHeldLock}: a logarithmic x axis of held locks, a linear or logarithmic y axis. */
	private record Panel(double left, double right, double top, double bottom, boolean logY) {

		/**
		 * Draws the axes and a line per backend.
		 * @param atLeast a value the y axis reaches in any case (0 for none)
		 */
		void draw(StringBuilder svg, String title, List<Integer> sizes, Map<String, double[]> values,
				double atLeast) {
			double low = Double.MAX_VALUE;
			for (double[] series : values.values()) {
				for (double value : series) {
					if (Double.isFinite(value) && value > 0) {
						low = Math.min(low, value);
					}
				}
			}
			double high = Math.max(highest(values), atLeast);
			double from = this.logY ? Math.pow(10, Math.floor(Math.log10(Math.min(low, high)))) : 0;
			double to = this.logY ? Math.pow(10, Math.ceil(Math.log10(Math.max(high, from * 10)))) : niceCeiling(high);
			svg.append(text((this.left + this.right) / 2, this.top - 12, title, "middle", "font-weight=\"bold\""));
			if (this.logY) {
				for (double tick = from; tick <= to * 1.0001; tick *= 10) {
					gridLine(svg, tick, from, to);
				}
			}
			else {
				for (int i = 0; i <= 5; i++) {
					gridLine(svg, to * i / 5, from, to);
				}
			}
			double first = sizes.get(0);
			double last = sizes.get(sizes.size() - 1);
			for (int size : sizes) {
				double x = x(size, first, last);
				svg.append(String.format(Locale.ROOT,
						"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>%n", x, this.top, x,
						this.bottom));
				svg.append(text(x, this.bottom + 18, String.format(Locale.ROOT, "%,d", size), "middle", ""));
			}
			svg.append(text((this.left + this.right) / 2, this.bottom + 36, "held locks (log scale)", "middle",
					"fill=\"#555\""));
			for (Map.Entry<String, double[]> series : values.entrySet()) {
				StringBuilder points = new StringBuilder();
				for (int i = 0; i < sizes.size(); i++) {
					double value = series.getValue()[i];
					if (!Double.isFinite(value) || (this.logY && value <= 0)) {
						continue;
					}
					double x = x(sizes.get(i), first, last);
					double y = y(value, from, to);
					points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
					svg.append(String.format(Locale.ROOT,
							"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n", x, y, color(series.getKey())));
					// below the point when another line is higher here, so that close values do not overlap
					double labelY = highestAt(values, i, value) ? y - 6 : y + 14;
					svg.append(text(x + 6, labelY, Format.number(value), "start", "fill=\"#333\" font-size=\"10\""));
				}
				svg.append(String.format(Locale.ROOT,
						"<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
						points.toString().trim(), color(series.getKey())));
			}
		}

		/** A dashed horizontal line at a value of the (linear) y axis that {@link #draw} drew. */
		void target(StringBuilder svg, double value, Map<String, double[]> values, String label) {
			// the axis draw(..., value) made
			double to = niceCeiling(Math.max(value, highest(values)));
			double y = y(value, 0, to);
			svg.append(String.format(Locale.ROOT,
					"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"6 4\"/>%n",
					this.left, y, this.right, y));
			svg.append(text(this.right, y - 4, label, "end", "fill=\"#555\" font-size=\"11\""));
		}

		private static boolean highestAt(Map<String, double[]> values, int index, double value) {
			return values.values().stream().noneMatch((series) -> series[index] > value);
		}

		private static double highest(Map<String, double[]> values) {
			double high = 0;
			for (double[] series : values.values()) {
				for (double value : series) {
					if (Double.isFinite(value) && value > 0) {
						high = Math.max(high, value);
					}
				}
			}
			return (high > 0) ? high : 1;
		}

		private void gridLine(StringBuilder svg, double value, double from, double to) {
			double y = y(value, from, to);
			svg.append(String.format(Locale.ROOT,
					"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", this.left, y,
					this.right, y));
			svg.append(text(this.left - 6, y + 4, tickLabel(value), "end", "font-size=\"11\""));
		}

		private double x(double size, double first, double last) {
			double span = Math.log10(last) - Math.log10(first);
			double share = (span == 0) ? 0.5 : (Math.log10(size) - Math.log10(first)) / span;
			return this.left + 20 + (this.right - this.left - 60) * share;
		}

		private double y(double value, double from, double to) {
			double share = this.logY ? (Math.log10(value) - Math.log10(from)) / (Math.log10(to) - Math.log10(from))
					: (value - from) / (to - from);
			return this.bottom - (this.bottom - this.top) * share;
		}

		/** The smallest 1, 2 or 5 times a power of ten at or above the value. */
		private static double niceCeiling(double value) {
			double power = Math.pow(10, Math.floor(Math.log10(value)));
			for (double step : new double[] { 1, 2, 5, 10 }) {
				if (step * power >= value) {
					return step * power;
				}
			}
			return 10 * power;
		}

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
