package dev.dlock.testserver;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a field from a server's JSON by name, enough for status calls; no JSON library needed. */
final class Json {

	private Json() {
	}

	/**
	 * The first string (or number) value of {@code field} anywhere in {@code json}.
	 * @throws IllegalStateException if there is none
	 */
	static String string(String json, String field) {
		Matcher matcher = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(?:\"([^\"]*)\"|(-?[0-9]+))")
			.matcher(json);
		if (!matcher.find()) {
			throw new IllegalStateException("No \"" + field + "\" in " + json);
		}
		return (matcher.group(1) != null) ? matcher.group(1) : matcher.group(2);
	}

}
