package dev.dlock.sample;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;
import org.jspecify.annotations.Nullable;

import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Takes locks and keeps them for a while, or queues for them, so that the live locks
 * page, {@code /actuator/dlock} and the {@code dlock.hold} metric have something to
 * show; and lets them go early. Every request is a new one ({@code acquireAsync}): a
 * request thread of the web server is pooled, so a re-entrant hold of that thread would
 * mix up the holds of unrelated calls.
 */
@RestController
@RequestMapping("/demo/hold")
public class HoldController {

	private static final int MAX_SECONDS = 300;

	private final LockManager locks;

	private final Map<String, Queue<CompletableFuture<LockHandle>>> requests = new ConcurrentHashMap<>();

	public HoldController(LockManager locks) {
		this.locks = locks;
	}

	/**
	 * Takes a lock and keeps it for {@code seconds}. With {@code wait} of 0 it does not
	 * wait; otherwise a busy lock is queued for, up to {@code wait} seconds, and kept for
	 * {@code seconds} once granted.
	 */
	@PostMapping
	public Map<String, Object> hold(@RequestParam String key, @RequestParam(defaultValue = "EX") LockMode mode,
			@RequestParam(defaultValue = "30") int seconds, @RequestParam(defaultValue = "0") int wait)
			throws InterruptedException {
		int kept = clamp(seconds, 1);
		LockOptions options = (wait <= 0) ? LockOptions.noWait()
				: LockOptions.waitTime(Duration.ofSeconds(clamp(wait, 1)));
		CompletableFuture<LockHandle> request = this.locks.acquireAsync(key, mode, options);
		track(key, request);
		request.whenComplete((handle, failure) -> {
			if (handle != null) {
				CompletableFuture.delayedExecutor(kept, TimeUnit.SECONDS).execute(() -> {
					handle.release();
					untrack(key, request);
				});
			}
			else {
				untrack(key, request);
			}
		});
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("key", key);
		result.put("mode", mode.name());
		LockHandle handle = (wait <= 0) ? granted(request) : request.getNow(null);
		result.put("acquired", handle != null);
		if (handle != null) {
			result.put("fencingToken", handle.fencingToken());
			result.put("releasedInSeconds", kept);
		}
		else if (wait > 0) {
			result.put("waiting", true);
		}
		return result;
	}

	/**
	 * Releases the locks that {@link #hold} took on {@code key}, and withdraws its
	 * requests that still wait.
	 */
	@DeleteMapping
	public Map<String, Object> release(@RequestParam String key) {
		Queue<CompletableFuture<LockHandle>> taken = this.requests.getOrDefault(key, new ConcurrentLinkedQueue<>());
		this.requests.remove(key, taken);
		int released = 0;
		int withdrawn = 0;
		// withdraw the waiting requests first, so that none is granted by the release of a held one
		for (CompletableFuture<LockHandle> request : taken) {
			if (request.cancel(true)) {
				withdrawn++;
			}
		}
		for (CompletableFuture<LockHandle> request : taken) {
			if (!request.isCompletedExceptionally()) {
				request.join().release();
				released++;
			}
		}
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("key", key);
		result.put("released", released);
		result.put("withdrawn", withdrawn);
		return result;
	}

	private static @Nullable LockHandle granted(CompletableFuture<LockHandle> request) throws InterruptedException {
		try {
			return request.get();
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof LockAcquisitionTimeoutException) {
				return null;
			}
			throw new IllegalStateException(ex.getCause());
		}
	}

	private void track(String key, CompletableFuture<LockHandle> request) {
		this.requests.compute(key, (k, queue) -> {
			Queue<CompletableFuture<LockHandle>> result = (queue != null) ? queue : new ConcurrentLinkedQueue<>();
			result.add(request);
			return result;
		});
	}

	private void untrack(String key, CompletableFuture<LockHandle> request) {
		this.requests.computeIfPresent(key, (k, queue) -> {
			queue.remove(request);
			return queue.isEmpty() ? null : queue;
		});
	}

	private static int clamp(int seconds, int min) {
		return Math.min(Math.max(seconds, min), MAX_SECONDS);
	}

}
