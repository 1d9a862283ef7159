package dev.dlock.sample;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.dlock.spring.endpoint.DlockEndpoint;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live locks page of the sample app in a real browser: Debian's headless Chromium,
 * driven through its chromedriver. Keys are masked, as they are by default.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "dlock.endpoint.mask-keys=true")
class LivePageBrowserIntegrationTests {

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	/** Where the test leaves its screenshot; docs/images/live-locks-page.png is a copy. */
	private static final Path SCREENSHOT = Path.of("target", "screenshots", "live-locks-page.png");

	private static final Duration WITHIN_A_SECOND = Duration.ofSeconds(1);

	private static final Duration POLL = Duration.ofMillis(25);

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	private static ChromeDriver browser;

	@LocalServerPort
	private int port;

	@Autowired
	private DlockEndpoint endpoint;

	private RestClient http;

	@BeforeAll
	static void startBrowser() {
		assertThat(CHROMIUM).as("Debian's chromium (apt-get install -y chromium chromium-driver)").isExecutable();
		assertThat(CHROMEDRIVER).as("Debian's chromedriver (apt-get install -y chromium-driver)").isExecutable();
		ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
			.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
					"--window-size=1100,760", "--lang=en-GB");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(CHROMEDRIVER.toString()))
			.usingAnyFreePort()
			.build();
		browser = new ChromeDriver(service, options);
	}

	@AfterAll
	static void quitBrowser() {
		if (browser != null) {
			browser.quit();
		}
	}

	@BeforeEach
	void openPage() {
		this.http = RestClient.create("http://localhost:" + this.port);
		browser.get("http://localhost:" + this.port + "/dlock/");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(browser.findElement(By.id("status")).getText()).contains("updated"));
	}

	@Test
	void showsALockWithinASecondOfBeingTakenAndRemovesItWithinASecondOfItsRelease() throws IOException {
		String key = "orders:" + UUID.randomUUID();
		String shown = this.endpoint.mask(key);
		Map<String, Object> held = post("/demo/hold?key=" + key + "&mode=EX&seconds=300");
		assertThat(held).containsEntry("acquired", true);
		await().atMost(WITHIN_A_SECOND)
			.pollInterval(POLL)
			.untilAsserted(() -> assertThat(rows(shown)).singleElement()
				.satisfies((row) -> assertThat(row).containsEntry("state", "HELD")
					.containsEntry("mode", "EX")
					.containsEntry("token", String.valueOf(held.get("fencingToken")))));

		Map<String, Object> waiter = post("/demo/hold?key=" + key + "&mode=PR&seconds=300&wait=120");
		assertThat(waiter).containsEntry("acquired", false).containsEntry("waiting", true);
		await().atMost(WITHIN_A_SECOND).pollInterval(POLL).untilAsserted(() -> {
			assertThat(rows(shown)).extracting((row) -> row.get("state")).containsExactly("HELD", "WAITING");
			assertThat(shownKey(shown)).containsEntry("summary", "held: EX ×1 · waiting: PR ×1");
		});
		List<Map<String, String>> rows = rows(shown);
		assertThat(rows.get(0).get("heldFor")).matches("\\d+\\.\\d s");
		assertThat(rows.get(0).get("leaseLeft")).matches("\\d+\\.\\d s");
		assertThat(rows.get(0).get("waitingFor")).isEmpty();
		assertThat(rows.get(1).get("waitingFor")).matches("\\d+\\.\\d s");
		assertThat(rows.get(1).get("token")).isNull();
		assertThat(browser.getPageSource()).as("the key itself").doesNotContain(key);

		String readers = "catalogue:" + UUID.randomUUID();
		post("/demo/hold?key=" + readers + "&mode=PR&seconds=300");
		post("/demo/hold?key=" + readers + "&mode=PR&seconds=300");
		await().atMost(WITHIN_A_SECOND)
			.pollInterval(POLL)
			.untilAsserted(() -> assertThat(rows(this.endpoint.mask(readers))).hasSize(2));
		screenshot();

		Map<String, Object> released = delete("/demo/hold?key=" + key);
		assertThat(released).containsEntry("released", 1).containsEntry("withdrawn", 1);
		await().atMost(WITHIN_A_SECOND).pollInterval(POLL).untilAsserted(() -> assertThat(shownKey(shown)).isNull());
		delete("/demo/hold?key=" + readers);
		await().atMost(WITHIN_A_SECOND)
			.pollInterval(POLL)
			.untilAsserted(() -> assertThat(shownKey(this.endpoint.mask(readers))).isNull());
	}

	@Test
	void isReadOnlyAndLoadsNothingFromAnotherOrigin() {
		post("/demo/hold?key=ro-" + UUID.randomUUID() + "&mode=CW&seconds=5");
		await().atMost(WITHIN_A_SECOND)
			.pollInterval(POLL)
			.untilAsserted(() -> assertThat(browser.findElements(By.cssSelector("tr.lock"))).isNotEmpty());
		assertThat(browser.findElements(By.cssSelector("form, button, input, select, textarea, a[href]")))
			.as("controls of any kind")
			.isEmpty();
		@SuppressWarnings("unchecked")
		List<String> loaded = (List<String>) browser
			.executeScript("return performance.getEntriesByType('resource').map((entry) => entry.name)");
		String origin = "http://localhost:" + this.port + "/";
		assertThat(loaded).isNotEmpty().allSatisfy((url) -> assertThat(url).startsWith(origin + "dlock/"));
		assertThat(loaded).anySatisfy((url) -> assertThat(url).endsWith("/dlock/page.js"))
			.anySatisfy((url) -> assertThat(url).endsWith("/dlock/page.css"))
			.anySatisfy((url) -> assertThat(url).endsWith("/dlock/locks"));
	}

	/**
	 * What the page shows for a key, read in one script run, since the page replaces its
	 * elements at every refresh.
	 * @param shownKey the key as the page shows it
	 * @return the summary and the rows, or {@code null} when the page does not show the key
	 */
	@SuppressWarnings("unchecked")
	private static @Nullable Map<String, Object> shownKey(String shownKey) {
		return (Map<String, Object>) browser.executeScript("""
				const section = [...document.querySelectorAll("section.key")]
					.find((each) => each.dataset.key === arguments[0]);
				if (!section) {
					return null;
				}
				const text = (row, name) => row.querySelector("td." + name).textContent;
				return {
					summary: section.querySelector(".summary").textContent,
					rows: [...section.querySelectorAll("tbody tr")].map((row) => ({
						state: row.dataset.state,
						mode: row.dataset.mode,
						token: row.dataset.token ?? null,
						heldFor: text(row, "held-for"),
						waitingFor: text(row, "waiting-for"),
						leaseLeft: text(row, "lease-left")
					}))
				};""", shownKey);
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, String>> rows(String shownKey) {
		Map<String, Object> shown = shownKey(shownKey);
		return (shown != null) ? (List<Map<String, String>>) shown.get("rows") : List.of();
	}

	private static void screenshot() throws IOException {
		Files.createDirectories(SCREENSHOT.getParent());
		Files.write(SCREENSHOT, browser.getScreenshotAs(OutputType.BYTES));
	}

	private Map<String, Object> post(String path) {
		return this.http.post().uri(path).retrieve().body(JSON);
	}

	private Map<String, Object> delete(String path) {
		return this.http.delete().uri(path).retrieve().body(JSON);
	}

}
