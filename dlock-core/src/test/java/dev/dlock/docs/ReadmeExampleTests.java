package dev.dlock.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import dev.dlock.backend.memory.InMemoryLockBackend;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.reactive.ReactiveLockManager;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Runs the README's examples (the programmatic one, the reactive one, the conversion and
 * {@link FencedResource}) and checks that the README shows exactly this code, so the
 * examples always compile and work.
 */
class ReadmeExampleTests {

	private final StringBuilder shipped = new StringBuilder();

	private final Map<Integer, Integer> stock = new HashMap<>();

	private final FencedResource fencedStock = new FencedResource();

	private final List<Long> restockTokens = new ArrayList<>();

	@Test
	void programmaticExampleRunsAndIsTheOneInTheReadme() throws Exception {
		example();
		assertThat(this.shipped.toString()).isEqualTo("shipped 42 with token 1;");
		assertThat(readme()).contains(tagged("ReadmeExampleTests.java", "example"));
	}

	@Test
	void fencedResourceIsTheOneInTheReadme() throws IOException {
		assertThat(readme()).contains(tagged("FencedResource.java", "example"));
	}

	@Test
	void conversionExampleRestocksWithTheTokenOfTheUpgradeAndIsTheOneInTheReadme() throws Exception {
		try (LockManager locks = LockManagerBuilder.forBackend(InMemoryLockBackend.create()).build()) {
			long earlierToken;
			try (LockHandle earlier = locks.tryAcquire("stock:42", LockMode.PR).orElseThrow()) {
				earlierToken = earlier.fencingToken();
			}
			this.stock.put(42, 3);
			restockIfLow(locks, 42);
			assertThat(this.stock).containsEntry(42, 103);
			assertThat(this.restockTokens).singleElement()
				.satisfies((token) -> assertThat(token).isGreaterThan(earlierToken));
			restockIfLow(locks, 42);
			assertThat(this.stock).as("enough stock: no conversion, no write").containsEntry(42, 103);
			assertThat(this.restockTokens).hasSize(1);
		}
		assertThat(readme()).contains(tagged("ReadmeExampleTests.java", "conversion"));
	}

	@Test
	void reactiveExampleShipsUnderTheLockReleasesItAndIsTheOneInTheReadme() throws Exception {
		try (LockManager locks = LockManagerBuilder.forBackend(InMemoryLockBackend.create()).build()) {
			StepVerifier.create(reactiveExample(locks))
				.expectNext("shipped 42 with token 1")
				.expectComplete()
				.verify(Duration.ofSeconds(5));
			assertThat(locks.locks()).as("released after the work completed").isEmpty();
			assertThat(locks.tryAcquire("order:42", LockMode.EX)).isPresent();
		}
		assertThat(readme()).contains(tagged("ReadmeExampleTests.java", "reactive"));
	}

	private Mono<String> reactiveExample(LockManager locks) {
		// tag::reactive[]
		ReactiveLockManager reactive = ReactiveLockManager.of(locks);

		// waits up to 5 s without blocking a thread; the lock is released when the work
		// completes, fails or is cancelled, and a cancelled wait is withdrawn from the server
		Mono<String> shipped = reactive
			.usingLock("order:42", LockMode.EX, LockOptions.waitTime(Duration.ofSeconds(5)),
					(lock) -> shipReactively(42, lock.fencingToken()))
			.single();
		// end::reactive[]
		return shipped;
	}

	private Mono<String> shipReactively(int order, long fencingToken) {
		return Mono.fromSupplier(() -> "shipped " + order + " with token " + fencingToken);
	}

	@Test
	void fencedResourceAcceptsConcurrentWritersOfCompatibleModesInAnyOrder() {
		InMemoryLockBackend backend = InMemoryLockBackend.create();
		List<String> applied = new ArrayList<>();
		try (LockManager first = LockManagerBuilder.forBackend(backend).build();
				LockManager second = LockManagerBuilder.forBackend(backend).build();
				LockHandle earlier = first.tryAcquire("ledger", LockMode.CW).orElseThrow();
				LockHandle later = second.tryAcquire("ledger", LockMode.CW).orElseThrow()) {
			assertThat(later.fencingToken()).isGreaterThan(earlier.fencingToken());
			FencedResource resource = new FencedResource();
			resource.write(LockMode.CW, later.fencingToken(), () -> applied.add("later"));
			resource.write(LockMode.CW, earlier.fencingToken(), () -> applied.add("earlier"));
		}
		assertThat(applied).containsExactly("later", "earlier");
	}

	@Test
	void fencedResourceRefusesAWriterWhomAConflictingHolderFollowed() throws InterruptedException {
		InMemoryLockBackend backend = InMemoryLockBackend.create();
		FencedResource resource = new FencedResource();
		List<String> applied = new ArrayList<>();
		try (LockManager first = LockManagerBuilder.forBackend(backend).build();
				LockManager second = LockManagerBuilder.forBackend(backend).build()) {
			long staleToken;
			try (LockHandle stale = first.tryAcquire("ledger", LockMode.CW).orElseThrow()) {
				staleToken = stale.fencingToken();
				resource.write(LockMode.CW, staleToken, () -> applied.add("before"));
			} // as if its holder paused past the lease
			try (LockHandle next = second.acquire("ledger", LockMode.PW, Duration.ofSeconds(5))) {
				resource.write(LockMode.PW, next.fencingToken(), () -> applied.add("next"));
			}
			assertThatIllegalStateException()
				.isThrownBy(() -> resource.write(LockMode.CW, staleToken, () -> applied.add("stale")));
		}
		assertThat(applied).containsExactly("before", "next");
	}

	private void example() throws Exception {
		// tag::example[]
		try (LockManager locks = LockManagerBuilder.forBackend(InMemoryLockBackend.create())
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

	private void restockIfLow(LockManager locks, int item) throws InterruptedException {
		// tag::conversion[]
		try (LockHandle lock = locks.acquire("stock:" + item, LockMode.PR, Duration.ofSeconds(5))) {
			int count = readStock(item); // other readers may read too; no writer gets in
			if (count < 10) {
				// waits for the other readers to leave, ahead of every writer queued meanwhile
				lock.convert(LockMode.PW, Duration.ofSeconds(5));
				// the PW grant's token: larger than every token issued on the key before
				writeStock(item, count + 100, lock.fencingToken());
			}
		}
		// end::conversion[]
	}

	private int readStock(int item) {
		return this.stock.getOrDefault(item, 0);
	}

	private void writeStock(int item, int count, long fencingToken) {
		this.fencedStock.write(LockMode.PW, fencingToken, () -> this.stock.put(item, count));
		this.restockTokens.add(fencingToken);
	}

	private void ship(int order, long fencingToken) {
		this.shipped.append("shipped ").append(order).append(" with token ").append(fencingToken).append(';');
	}

	/**
	 * The lines of a file of this package between the lines of one tag, without the tag lines'
	 * indentation and with tabs as four spaces, as the README shows them.
	 */
	private static String tagged(String file, String tag) throws IOException {
		List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/dlock/docs", file));
		int start = indexOfTagLine(lines, "// tag::" + tag + "[]");
		int end = indexOfTagLine(lines, "// end::" + tag + "[]");
		String indent = lines.get(start).substring(0, lines.get(start).indexOf("//"));
		return lines.subList(start + 1, end)
			.stream()
			.map((line) -> line.startsWith(indent) ? line.substring(indent.length()) : line)
			.map((line) -> line.replace("\t", "    "))
			.collect(Collectors.joining("\n"));
	}

	private static int indexOfTagLine(List<String> lines, String tag) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).strip().equals(tag)) {
				return i;
			}
		}
		throw new IllegalStateException("No line '" + tag + "'");
	}

	private static String readme() throws IOException {
		return Files.readString(Path.of("../README.md"));
	}

}
