package dev.dlock.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The code blocks of the README, found by the heading they follow.
 */
final class ReadmeSnippets {

	private final List<String> lines;

	private ReadmeSnippets(List<String> lines) {
		this.lines = lines;
	}

	static ReadmeSnippets load() {
		try {
			return new ReadmeSnippets(Files.readAllLines(Path.of("../README.md")));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The first block of a language after a heading, without its fences.
	 * @param heading the heading line, such as {@code ### Redis}
	 * @param language the block's language, such as {@code yaml}
	 * @return the block's text
	 */
	String blockAfter(String heading, String language) {
		int start = this.lines.indexOf(heading);
		if (start < 0) {
			throw new IllegalStateException("The README has no heading '" + heading + "'");
		}
		for (int i = start + 1; i < this.lines.size(); i++) {
			if (this.lines.get(i).equals("```" + language)) {
				int end = this.lines.subList(i + 1, this.lines.size()).indexOf("```") + i + 1;
				return String.join("\n", this.lines.subList(i + 1, end)) + "\n";
			}
		}
		throw new IllegalStateException("No " + language + " block after '" + heading + "'");
	}

}
