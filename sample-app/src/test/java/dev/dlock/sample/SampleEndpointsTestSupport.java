package dev.dlock.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The calls of the sample app's README, made over HTTP against a running app; each
 * backend's test class starts the app on that backend.
 */
abstract class SampleEndpointsTestSupport {

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	@LocalServerPort
	private int port;

	private RestClient http;

	/**
	 * The backend name that the health indicator must report.
	 * @return the name
	 */
	protected abstract String expectedBackend();

	@BeforeEach
	void client() {
		this.http = RestClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.defaultStatusHandler((status) -> true, (request, response) -> {
			})
			.build();
	}

	private Map<String, Object> get(String path) {
		return exchange(this.http.get().uri(path).retrieve().toEntity(JSON), HttpStatus.OK);
	}

	private Map<String, Object> post(String path, HttpStatus expected) {
		return exchange(this.http.post().uri(path).retrieve().toEntity(JSON), expected);
	}

	private static Map<String, Object> exchange(ResponseEntity<Map<String, Object>> response, HttpStatus expected) {
		assertThat(response.getStatusCode()).as("status of %s", response.getBody()).isEqualTo(expected);
		assertThat(response.getBody()).isNotNull();
		return response.getBody();
	}

	@Test
	void exclusiveCounterLosesNoUpdates() {
		Map<String, Object> result = get("/demo/contention?threads=4&perThread=25");
		assertThat(result).containsEntry("expected", 100).containsEntry("counted", 100).containsEntry("lostUpdates", 0);
	}

	@Test
	void stockTallyReadsReservationsAndCountTogether() {
		Map<String, Object> run = get("/demo/contention?threads=2&perThread=10");
		Map<String, Object> stock = get("/demo/stock?sku=" + run.get("sku"));
		assertThat(stock).containsEntry("reservations", 20).containsEntry("counted", 20).containsEntry("lostUpdates", 0);
		ResponseEntity<Map<String, Object>> bad = this.http.get().uri("/demo/stock?sku=../etc").retrieve().toEntity(JSON);
		assertThat(bad.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
	}

	@Test
	void holdQueuesBehindABusyLockAndReleaseEndsBoth() {
		String key = "queued-" + UUID.randomUUID();
		assertThat(post("/demo/hold?key=" + key + "&mode=EX&seconds=60", HttpStatus.OK)).containsEntry("acquired", true);
		assertThat(post("/demo/hold?key=" + key + "&mode=PW&seconds=60", HttpStatus.OK)).containsEntry("acquired",
				false);
		assertThat(post("/demo/hold?key=" + key + "&mode=PW&seconds=60&wait=60", HttpStatus.OK))
			.containsEntry("acquired", false)
			.containsEntry("waiting", true);
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(locksOf(key)).extracting((lock) -> lock.get("state"))
				.containsExactlyInAnyOrder("HELD", "WAITING"));
		ResponseEntity<Map<String, Object>> released = this.http.delete()
			.uri("/demo/hold?key=" + key)
			.retrieve()
			.toEntity(JSON);
		assertThat(released.getBody()).containsEntry("released", 1).containsEntry("withdrawn", 1);
		assertThat(locksOf(key)).isEmpty();
	}

	@SuppressWarnings("unchecked")
	private List<Map<String, Object>> locksOf(String key) {
		return ((List<Map<String, Object>>) get("/actuator/dlock").get("locks")).stream()
			.filter((lock) -> key.equals(lock.get("key")))
			.toList();
	}

	@Test
	void modeMatrix() {
		Map<String, Object> matrix = get("/demo/modes");
		assertThat(matrix.get("EX")).isEqualTo(Map.of("NL", true, "CR", false, "CW", false, "PR", false, "PW",
				false, "EX", false));
		assertThat(matrix.get("CR")).isEqualTo(Map.of("NL", true, "CR", true, "CW", true, "PR", true, "PW", true,
				"EX", false));
	}

	@Test
	void readersAndWritersOnOnePage() {
		String line = "line-" + UUID.randomUUID();
		assertThat(post("/demo/library?line=" + line, HttpStatus.OK)).containsKey("edits");
		assertThat((String) get("/demo/library").get("page")).contains(line);
		Map<String, Object> admission = get("/demo/library/who-gets-in");
		assertThat(admission.get("whileReading")).isEqualTo(Map.of("NL", true, "CR", true, "CW", false, "PR", true,
				"PW", false, "EX", false));
		assertThat(admission.get("whileWriting")).isEqualTo(Map.of("NL", true, "CR", true, "CW", false, "PR", false,
				"PW", false, "EX", false));
		ResponseEntity<Map<String, Object>> rewrite = this.http.put()
			.uri("/demo/library?text=fresh")
			.retrieve()
			.toEntity(JSON);
		assertThat(rewrite.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(get("/demo/library")).containsEntry("page", "fresh");
	}

	@Test
	void concurrentWritersAndReadersOnTheLedger() {
		long before = ((Number) get("/demo/ledger").get("total")).longValue();
		post("/demo/ledger?amount=5", HttpStatus.OK);
		assertThat(((Number) get("/demo/ledger").get("total")).longValue()).isGreaterThanOrEqualTo(before + 5);
		assertThat(get("/demo/ledger/who-gets-in")).isEqualTo(Map.of("NL", true, "CR", true, "CW", true, "PR", false,
				"PW", false, "EX", false));
	}

	@Test
	void scheduledJobRuns() {
		await().atMost(Duration.ofSeconds(15))
			.untilAsserted(() -> assertThat(((Number) get("/demo/job").get("runs")).intValue()).isPositive());
	}

	@Test
	void fencedStoreRejectsAStaleToken() {
		Map<String, Object> write = post("/demo/fenced?value=v-" + UUID.randomUUID(), HttpStatus.OK);
		assertThat(write).containsEntry("accepted", true);
		Map<String, Object> stale = post("/demo/fenced/stale?value=late", HttpStatus.CONFLICT);
		assertThat(stale).containsEntry("accepted", false);
		assertThat(((Number) stale.get("staleToken")).longValue())
			.isLessThan(((Number) stale.get("newerToken")).longValue());
		assertThat(get("/demo/fenced")).containsEntry("value", "written by the new holder");
	}

	@Test
	void upgradeIsGrantedAheadOfAWriterThatAskedBeforeIt() {
		Map<String, Object> upgrade = get("/demo/upgrade");
		@SuppressWarnings("unchecked")
		List<String> events = (List<String>) upgrade.get("events");
		assertThat(events).hasSize(8);
		assertThat(events.get(0)).startsWith("holder: PR granted");
		assertThat(events.get(1)).startsWith("reader: PR granted");
		assertThat(events.get(2)).startsWith("writer: asks for EX");
		assertThat(events.get(3)).startsWith("holder: asks to convert PR to PW");
		assertThat(events.get(4)).isEqualTo("reader: releases PR");
		assertThat(events.get(5)).startsWith("holder: converted to PW");
		assertThat(events.get(6)).isEqualTo("holder: releases PW");
		assertThat(events.get(7)).startsWith("writer: EX granted");
		assertThat(upgrade).containsEntry("upgradeGrantedBeforeWriter", true);
		@SuppressWarnings("unchecked")
		Map<String, Number> tokens = (Map<String, Number>) upgrade.get("tokens");
		assertThat(tokens).containsOnlyKeys("holder PR", "reader PR", "holder PW", "writer EX");
		assertThat(tokens.get("holder PW").longValue()).as("a conversion draws a new, larger token")
			.isGreaterThan(tokens.get("reader PR").longValue())
			.isGreaterThan(tokens.get("holder PR").longValue());
		assertThat(tokens.get("writer EX").longValue()).as("the writer, granted after the conversion, comes later")
			.isGreaterThan(tokens.get("holder PW").longValue());
	}

	@Test
	void healthIsUpWithTheBackendNamed() {
		Map<String, Object> health = get("/actuator/health");
		assertThat(health).containsEntry("status", "UP");
		@SuppressWarnings("unchecked")
		Map<String, Object> dlock = (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("dlock");
		assertThat(dlock).containsEntry("status", "UP");
		@SuppressWarnings("unchecked")
		Map<String, Object> details = (Map<String, Object>) dlock.get("details");
		assertThat(details).containsEntry("backend", expectedBackend()).containsKey("roundTrip");
	}

	@Test
	void metricsAndEndpointShowTheLocksTaken() {
		String key = "held-" + UUID.randomUUID();
		Map<String, Object> held = post("/demo/hold?key=" + key + "&mode=PW&seconds=20", HttpStatus.OK);
		assertThat(held).containsEntry("acquired", true);
		Map<String, Object> endpoint = get("/actuator/dlock");
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> locks = (List<Map<String, Object>>) endpoint.get("locks");
		assertThat(locks).anySatisfy((lock) -> assertThat(lock).containsEntry("key", key)
			.containsEntry("mode", "PW")
			.containsEntry("state", "HELD")
			.containsEntry("fencingToken", held.get("fencingToken"))
			.containsKeys("heldFor", "leaseLeft"));
		Map<String, Object> acquire = get("/actuator/metrics/dlock.acquire");
		assertThat(acquire).containsEntry("name", "dlock.acquire");
		assertThat(acquire.get("availableTags").toString()).contains("PW");
		Map<String, Object> byBackend = get("/actuator/metrics/dlock.acquire?tag=dlock.mode:PW");
		assertThat(byBackend.get("measurements").toString()).contains("COUNT");
	}

}
