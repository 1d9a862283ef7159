package dev.dlock.benchmarks;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * Number formatting for the report: three significant digits, thousands separated.
 */
final class Format {

	private Format() {
	}

	static String number(double value) {
		if (Double.isNaN(value)) {
			return "–";
		}
		double magnitude = Math.abs(value);
		if (magnitude >= 1000) {
			return String.format(Locale.ROOT, "%,.0f", value);
		}
		if (magnitude >= 100) {
			return String.format(Locale.ROOT, "%.0f", value);
		}
		if (magnitude >= 10) {
			return String.format(Locale.ROOT, "%.1f", value);
		}
		if (magnitude >= 1) {
			return String.format(Locale.ROOT, "%.2f", value);
		}
		if (magnitude == 0) {
			return "0";
		}
		if (magnitude < 0.01) {
			// two significant digits, so that microsecond latencies do not print as 0.000 ms
			return new BigDecimal(value, new MathContext(2)).stripTrailingZeros().toPlainString();
		}
		return String.format(Locale.ROOT, "%.3f", value);
	}

	static String ratio(double value) {
		return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.2fx", value);
	}

}
