package dev.dlock.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.dlock.annotation.DistributedLock;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of an application (the test's own context and a second one started
 * beside it) increment one non-atomic counter from 8 threads each, under
 * {@code @DistributedLock}: no update may be lost. A subclass per backend says how both
 * instances reach the same lock store.
 */
@SpringBootTest(classes = LockedCounterTestSupport.CounterApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.NONE)
abstract class LockedCounterTestSupport {

	private static final int THREADS_PER_INSTANCE = 8;

	private static final int INCREMENTS_PER_THREAD = 25;

	private static final String KEY = "counter:" + UUID.randomUUID();

	@Autowired
	private LockedCounter counter;

	@DynamicPropertySource
	static void counterKey(DynamicPropertyRegistry registry) {
		registry.add("counter.key", () -> KEY);
	}

	/**
	 * The properties with which the second instance reaches the same backend.
	 * @return {@code name=value} pairs
	 */
	protected abstract List<String> secondInstanceProperties();

	/**
	 * Configuration classes the second instance needs beside the application.
	 * @return the classes
	 */
	protected Class<?>[] secondInstanceSources() {
		return new Class<?>[0];
	}

	@Test
	void twoInstancesWithEightThreadsEachLoseNoUpdate() throws Exception {
		LockedCounter.reset();
		List<String> properties = new ArrayList<>(secondInstanceProperties());
		properties.add("counter.key=" + KEY);
		try (ConfigurableApplicationContext second = new SpringApplicationBuilder(CounterApplication.class)
			.sources(secondInstanceSources())
			.web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new))
			.run()) {
			LockedCounter other = second.getBean(LockedCounter.class);
			CountDownLatch start = new CountDownLatch(1);
			List<CompletableFuture<Void>> workers = new ArrayList<>();
			for (int i = 0; i < THREADS_PER_INSTANCE; i++) {
				workers.add(worker(this.counter, start));
				workers.add(worker(other, start));
			}
			start.countDown();
			CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
		}
		assertThat(LockedCounter.value()).isEqualTo(2 * THREADS_PER_INSTANCE * INCREMENTS_PER_THREAD);
	}

	private static CompletableFuture<Void> worker(LockedCounter counter, CountDownLatch start) {
		return CompletableFuture.runAsync(() -> {
			try {
				start.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			for (int i = 0; i < INCREMENTS_PER_THREAD; i++) {
				counter.increment();
			}
		}, (task) -> new Thread(task, "counter-worker").start());
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(LockedCounter.class)
	static class CounterApplication {

	}

	/**
	 * A counter whose increment is a read and a later write: without the lock, concurrent
	 * increments overwrite each other.
	 */
	static class LockedCounter {

		private static volatile int value;

		static void reset() {
			value = 0;
		}

		static int value() {
			return value;
		}

		@DistributedLock(key = "${counter.key}", waitTime = "30s")
		public void increment() {
			int read = value;
			Thread.yield();
			value = read + 1;
		}

	}

}
