package dev.dlock.guide;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that the README's "Write a backend" guide shows the toy's conformance test as it
 * is, so that the test that proves the guide is the one the guide shows.
 */
class WriteABackendGuideTests {

	@Test
	void theGuideShowsTheToysConformanceTest() throws IOException {
		String readme = Files.readString(Path.of("../README.md"));
		assertThat(readme).contains("### Write a backend").contains(tagged("ToyLockBackendConformanceTests.java"));
	}

	/** The lines between the tag lines, with tabs as four spaces, as the README shows them. */
	private static String tagged(String file) throws IOException {
		List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/dlock/guide", file));
		int start = lines.indexOf("// tag::example[]");
		int end = lines.indexOf("// end::example[]");
		assertThat(start).as("tag lines of " + file).isNotNegative().isLessThan(end);
		return lines.subList(start + 1, end)
			.stream()
			.map((line) -> line.replace("\t", "    "))
			.collect(Collectors.joining("\n"));
	}

}
