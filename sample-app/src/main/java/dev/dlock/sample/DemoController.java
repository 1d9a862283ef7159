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
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

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
	 * The stock is shared by the instances of the app on one machine: the same
	 * {@code sku} given to two instances at once makes them contend for it, and the tally
	 * counts the reservations of both.
	 */
	@GetMapping("/demo/contention")
	public Map<String, Object> contention(@RequestParam(defaultValue = "8") int threads,
			@RequestParam(defaultValue = "100") int perThread, @RequestParam(required = false) @Nullable String sku)
			throws Exception {
		String reserved = (sku != null) ? validSku(sku) : "demo-" + UUID.randomUUID();
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				workers.add(pool.submit(() -> {
					for (int i = 0; i < perThread; i++) {
						this.warehouse.reserveOne(reserved);
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
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("sku", reserved);
		result.put("expected", threads * perThread);
		result.putAll(tally(this.warehouse.tally(reserved)));
		return result;
	}

	/**
	 * The reservations of a SKU by every instance, the count they left, and the
	 * difference: the updates lost.
	 */
	@GetMapping("/demo/stock")
	public Map<String, Object> stock(@RequestParam String sku) {
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("sku", validSku(sku));
		result.putAll(tally(this.warehouse.tally(sku)));
		return result;
	}

	private static Map<String, Object> tally(Warehouse.Tally tally) {
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("reservations", tally.reservations());
		result.put("counted", tally.counted());
		result.put("lostUpdates", tally.lostUpdates());
		return result;
	}

	static String validSku(String sku) {
		if (!StockFolder.isValid(sku)) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "sku must be 1 to 64 letters, digits and dashes");
		}
		return sku;
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
