package dev.dlock.sample;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * HTTP endpoints for readers and writers on one resource, a CR/CW pair, the scheduled
 * job and a fenced write.
 */
@RestController
@RequestMapping("/demo")
public class ResourceController {

	private final LockManager locks;

	private final Library library;

	private final Ledger ledger;

	private final ReportJob job;

	private final FencedWriter writer;

	private final FencedStore store;

	public ResourceController(LockManager locks, Library library, Ledger ledger, ReportJob job, FencedWriter writer,
			FencedStore store) {
		this.locks = locks;
		this.library = library;
		this.ledger = ledger;
		this.job = job;
		this.writer = writer;
		this.store = store;
	}

	/** Reads the page under PR. */
	@GetMapping("/library")
	public Map<String, Object> read() {
		return Map.of("page", this.library.read());
	}

	/** Appends a line under PW. */
	@PostMapping("/library")
	public Map<String, Object> append(@RequestParam String line) {
		return Map.of("edits", this.library.append(line));
	}

	/** Replaces the page under EX. */
	@PutMapping("/library")
	public Map<String, Object> rewrite(@RequestParam String text) {
		return Map.of("edits", this.library.rewrite(text));
	}

	/**
	 * While a reader (PR) holds the page, who else gets in at once; then the same while a
	 * writer (PW) holds it.
	 */
	@GetMapping("/library/who-gets-in")
	public Map<String, Map<String, Boolean>> libraryAdmission() {
		Map<String, Map<String, Boolean>> result = new LinkedHashMap<>();
		result.put("whileReading", admission(Library.KEY, LockMode.PR));
		result.put("whileWriting", admission(Library.KEY, LockMode.PW));
		return result;
	}

	/** Adds to the total under CW. */
	@PostMapping("/ledger")
	public Map<String, Object> add(@RequestParam(defaultValue = "1") long amount) {
		return Map.of("total", this.ledger.add(amount));
	}

	/** Reads the total under CR. */
	@GetMapping("/ledger")
	public Map<String, Object> total() {
		return Map.of("total", this.ledger.total());
	}

	/** While a writer holds CW on the total, who else gets in at once. */
	@GetMapping("/ledger/who-gets-in")
	public Map<String, Boolean> ledgerAdmission() {
		return admission(Ledger.KEY, LockMode.CW);
	}

	/** How often this instance ran the scheduled job. */
	@GetMapping("/job")
	public Map<String, Object> job() {
		Instant lastRun = this.job.lastRun();
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("runs", this.job.runs());
		result.put("lastRun", (lastRun != null) ? lastRun.toString() : "never");
		return result;
	}

	/** Writes to the fenced store under EX with the lock's token. */
	@PostMapping("/fenced")
	public ResponseEntity<FencedWriter.Write> fencedWrite(@RequestParam String value) {
		FencedWriter.Write write = this.writer.write(value);
		return ResponseEntity.status(write.accepted() ? HttpStatus.OK : HttpStatus.CONFLICT).body(write);
	}

	/** What the fenced store holds. */
	@GetMapping("/fenced")
	public Map<String, Object> fenced() {
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("value", String.valueOf(this.store.value()));
		result.put("highestToken", this.store.highestToken());
		return result;
	}

	/**
	 * Plays a writer that was paused while its lock passed to another: it takes the lock,
	 * lets it go (as an expired lease would), another writer writes with a newer token,
	 * and then the paused one writes with its old token and is refused.
	 */
	@PostMapping("/fenced/stale")
	public ResponseEntity<Map<String, Object>> staleWrite(@RequestParam String value) {
		long staleToken;
		try (LockHandle paused = this.locks.tryAcquire(FencedWriter.KEY, LockMode.EX).orElseThrow()) {
			staleToken = paused.fencingToken();
		}
		FencedWriter.Write newer = this.writer.write("written by the new holder");
		boolean accepted = this.store.write(value, staleToken);
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("staleToken", staleToken);
		result.put("newerToken", newer.token());
		result.put("accepted", accepted);
		return ResponseEntity.status(accepted ? HttpStatus.OK : HttpStatus.CONFLICT).body(result);
	}

	/**
	 * Which modes another owner gets at once while {@code held} is held. Each mode is
	 * probed on its own key derived from {@code key}: a probe's release is confirmed in
	 * the background, so a second probe on the same key could still meet the first.
	 */
	private Map<String, Boolean> admission(String key, LockMode held) {
		Map<String, Boolean> row = new LinkedHashMap<>();
		for (LockMode requested : LockMode.values()) {
			String probeKey = key + ":probe:" + UUID.randomUUID();
			try (LockHandle holder = this.locks.tryAcquire(probeKey, held).orElseThrow()) {
				// another thread, so the request is not a re-entrant hold of the holder
				Optional<LockHandle> other = CompletableFuture
					.supplyAsync(() -> this.locks.tryAcquire(probeKey, requested))
					.join();
				row.put(requested.name(), other.isPresent());
				other.ifPresent(LockHandle::release);
			}
		}
		return row;
	}

}
