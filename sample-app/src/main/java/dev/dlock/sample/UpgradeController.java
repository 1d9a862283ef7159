package dev.dlock.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.LockOptions;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Shows a lock conversion keeping its place: a reader that upgrades from PR to PW is
 * granted ahead of an EX writer that asked before it, because conversions come before
 * new requests.
 */
@RestController
public class UpgradeController {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final LockManager locks;

	public UpgradeController(LockManager locks) {
		this.locks = locks;
	}

	/**
	 * A PR holder and a second reader share a key; a writer asks for EX and queues; the
	 * holder converts to PW. When the reader leaves, the conversion is granted first, and the
	 * writer only once the holder is done.
	 * @return the events in the order they happened, and the fencing token of each grant
	 */
	@GetMapping("/demo/upgrade")
	public Map<String, Object> upgrade() throws Exception {
		String key = "upgrade-" + UUID.randomUUID();
		List<String> events = Collections.synchronizedList(new ArrayList<>());
		Map<String, Long> tokens = Collections.synchronizedMap(new LinkedHashMap<>());
		LockHandle holder = this.locks.tryAcquire(key, LockMode.PR).orElseThrow();
		event(events, tokens, "holder: PR granted", "holder PR", holder);
		// another thread, so that the reader is not a re-entrant hold of the holder
		LockHandle reader = CompletableFuture.supplyAsync(() -> this.locks.tryAcquire(key, LockMode.PR).orElseThrow())
			.join();
		event(events, tokens, "reader: PR granted", "reader PR", reader);
		CompletableFuture<LockHandle> writer = this.locks.acquireAsync(key, LockMode.EX, LockOptions.waitTime(WAIT));
		CompletableFuture<LockHandle> written = writer.thenApply((granted) -> {
			event(events, tokens, "writer: EX granted", "writer EX", granted);
			return granted;
		});
		events.add("writer: asks for EX and queues behind the two readers");
		boolean[] writerWaitingAtConversion = new boolean[1];
		try {
			CompletableFuture<LockHandle> converted = holder.convertAsync(LockMode.PW, LockOptions.waitTime(WAIT));
			events.add("holder: asks to convert PR to PW, which waits for the reader");
			CompletableFuture<LockHandle> upgraded = converted.thenApply((handle) -> {
				writerWaitingAtConversion[0] = !writer.isDone();
				event(events, tokens, "holder: converted to PW, ahead of the writer that asked first", "holder PW",
						handle);
				return handle;
			});
			events.add("reader: releases PR");
			reader.release();
			upgraded.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			events.add("holder: releases PW");
		}
		finally {
			reader.release();
			holder.release();
		}
		try {
			written.get(WAIT.toSeconds(), TimeUnit.SECONDS).release();
		}
		finally {
			// withdraws the request if it is still waiting, and releases a lock granted meanwhile
			writer.cancel(false);
		}
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("key", key);
		result.put("events", List.copyOf(events));
		synchronized (tokens) {
			result.put("tokens", new LinkedHashMap<>(tokens));
		}
		result.put("upgradeGrantedBeforeWriter", writerWaitingAtConversion[0]);
		return result;
	}

	private static void event(List<String> events, Map<String, Long> tokens, String event, String grant,
			LockHandle handle) {
		tokens.put(grant, handle.fencingToken());
		events.add(event + " (token " + handle.fencingToken() + ")");
	}

}
