package dev.dlock.sample;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the sample app on the in-memory backend and calls its endpoints.
 */
@SpringBootTest
class SampleApplicationTests {

	@Autowired
	private DemoController demo;

	@Test
	void contentionLosesNoUpdates() throws Exception {
		Map<String, Object> result = this.demo.contention(8, 50);
		assertThat(result).containsEntry("expected", 400).containsEntry("counted", 400).containsEntry("lostUpdates", 0);
	}

	@Test
	void modesEndpointShowsTheMatrix() {
		Map<String, Map<String, Boolean>> matrix = this.demo.modes();
		assertThat(matrix.get("EX")).containsEntry("NL", true).containsEntry("CR", false);
		assertThat(matrix.get("PR")).containsEntry("PR", true).containsEntry("PW", false);
		assertThat(matrix.get("CW")).containsEntry("CW", true).containsEntry("PR", false);
	}

}
