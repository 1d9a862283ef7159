package dev.dlock.sample;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * HTTP endpoints that show locks at work.
 */
@RestController
public class DemoController {

	private final LockManager locks;

	private final Warehouse warehouse;

	public DemoController(LockManager locks, Warehouse warehouse) {
		this.locks = locks;
		this.warehouse = warehouse;
	}

	/**
	 * Runs {@code threads} threads that each reserve {@code perThread} units of one SKU
	 * through the {@code @DistributedLock} method, and reports whether any update was lost.
	 */
	@GetMapping("/demo/contention")
	public Map<String, Object> contention(@RequestParam(defaultValue = "8") int threads,
			@RequestParam(defaultValue = "100") int perThread) throws Exception {
		String sku = "demo-" + UUID.randomUUID();
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				workers.add(pool.submit(() -> {
					for (int i = 0; i < perThread; i++) {
						this.warehouse.reserveOne(sku);
					}
				}));
			}
			for (Future<?> worker : workers) {
				worker.get();
			}
		}
		finally {
			pool.shutdown();
		}
		int expected = threads * perThread;
		int counted = this.warehouse.reserved(sku);
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("sku", sku);
		result.put("expected", expected);
		result.put("counted", counted);
		result.put("lostUpdates", expected - counted);
		return result;
	}

	/**
	 * Holds each mode in turn and tries every other mode on the same key: the
	 * compatibility matrix as the running backend enforces it.
	 */
	@GetMapping("/demo/modes")
	public Map<String, Map<String, Boolean>> modes() {
		Map<String, Map<String, Boolean>> matrix = new LinkedHashMap<>();
		for (LockMode held : LockMode.values()) {
			Map<String, Boolean> row = new LinkedHashMap<>();
			for (LockMode requested : LockMode.values()) {
				// a key per pair: a release is confirmed in the background, so a second
				// probe on the same key could still meet the first
				String key = "modes-" + UUID.randomUUID();
				LockHandle holder = this.locks.tryAcquire(key, held).orElseThrow();
				// another thread, so the request is not a re-entrant hold of this one
				Optional<LockHandle> other = CompletableFuture
					.supplyAsync(() -> this.locks.tryAcquire(key, requested))
					.join();
				row.put(requested.name(), other.isPresent());
				other.ifPresent(LockHandle::release);
				holder.release();
			}
			matrix.put(held.name(), row);
		}
		return matrix;
	}

}
