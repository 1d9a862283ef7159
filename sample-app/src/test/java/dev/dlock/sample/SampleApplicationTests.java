package dev.dlock.sample;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * Starts the sample app on the in-memory backend, as the README's command does, and calls
 * every endpoint over HTTP.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationTests extends SampleEndpointsTestSupport {

	@Override
	protected String expectedBackend() {
		return "memory";
	}

}
