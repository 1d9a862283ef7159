package dev.dlock.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.backend.memory.InMemoryLockBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the README's programmatic example and checks that the README shows exactly this
 * code, so the example always compiles and works.
 */
class ReadmeExampleTests {

	private final StringBuilder shipped = new StringBuilder();

	@Test
	void programmaticExampleRunsAndIsTheOneInTheReadme() throws Exception {
		example();
		assertThat(this.shipped.toString()).isEqualTo("shipped 42 with token 1;");
		assertThat(readme()).contains(exampleSource());
	}

	private void example() throws Exception {
		// tag::example[]
		try (LockManager locks = LockManager.builder(InMemoryLockBackend.create())
			.leaseTime(Duration.ofSeconds(30))
			.build()) {

			// wait up to 5 s for an exclusive lock; released by try-with-resources
			try (LockHandle lock = locks.acquire("order:42", LockMode.EX, Duration.ofSeconds(5))) {
				ship(42, lock.fencingToken());
			}

			// take it only if it is free right now
			Optional<LockHandle> report = locks.tryAcquire("report:daily", LockMode.PW);
			report.ifPresent(LockHandle::release);

			// without blocking a thread
			CompletableFuture<LockHandle> reader = locks.acquireAsync("catalog", LockMode.PR,
					LockOptions.waitTime(Duration.ofSeconds(2)));
			reader.thenAccept(LockHandle::release).join();
		}
		// end::example[]
	}

	private void ship(int order, long fencingToken) {
		this.shipped.append("shipped ").append(order).append(" with token ").append(fencingToken).append(';');
	}

	private static String exampleSource() throws IOException {
		String source = Files.readString(Path.of("src/test/java/dev/dlock/docs/ReadmeExampleTests.java"));
		String body = source.substring(source.indexOf("// tag::example[]") + "// tag::example[]".length(),
				source.indexOf("\t\t// end::example[]"));
		return body.lines().skip(1).map((line) -> line.startsWith("\t\t") ? line.substring(2) : line)
			.map((line) -> line.replace("\t", "    "))
			.collect(Collectors.joining("\n"));
	}

	private static String readme() throws IOException {
		return Files.readString(Path.of("../README.md"));
	}

}
