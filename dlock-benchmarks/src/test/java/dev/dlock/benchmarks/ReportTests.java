package dev.dlock.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.dlock.benchmarks.Figure.Better;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ReportTests {

	private final Results results = results();

	private final Map<String, String> machine = new LinkedHashMap<>(Map.of("cores", "2", "JDK", "17"));

	@Test
	void markdownHasATableRowPerLibraryWithMedianAndRange() {
		String md = MarkdownReport.write(this.results, this.machine, Settings.quickRun(), "run it",
				Target.evaluate(this.results), "plot.svg", "raw.json", "1 min 00 s");
		assertThat(md).contains("| server | operation | p50 (ms) |")
			.contains("| redis | PING | 0.100 (0.090–0.110) |")
			.contains("| redis | **dlock** | 0.250 (0.200–0.300) |")
			.contains("| redis | Redisson RLock | 0.800 |")
			.contains("![hand-off latency per library](plot.svg)")
			.contains("| #3 | redis | hand-off p50 ≤ 3x a raw PING | **2.50x** |")
			.contains("| hand-off | redis | p50 | 0.250 ms | PING p50: 0.100 | 2.50x | Redisson RLock: 0.800 | 0.31x |")
			.contains("| cores | 2 |");
	}

	@Test
	void pushedWakeUpFloorBoundsWhatAnyPushedDesignCanReach() {
		this.results.add(Figure.FLOOR, "redis", Floors.WAKE_UP, "p50", "ms", Better.LOWER, new double[] { 0.4 });
		List<Target> targets = Target.evaluate(this.results);
		assertThat(targets).filteredOn((target) -> target.server().equals("redis")
				&& target.text().contains("raw pushed wake-up after the same pause against"))
			.singleElement()
			.satisfies((target) -> {
				assertThat(target.ratio()).isCloseTo(4.0, within(1e-9));
				assertThat(target.met()).isFalse();
			});
		assertThat(targets).filteredOn((target) -> target.text().contains("Redisson RLock hand-off against"))
			.singleElement()
			.satisfies((target) -> {
				assertThat(target.ratio()).isCloseTo(2.0, within(1e-9));
				assertThat(target.met()).isTrue();
			});
	}

	@Test
	void conversionRowsAreComparedWithThePairedRawOperationAndTheUncontendedAcquire() {
		this.results.add(Converting.SECTION, "etcd", Figure.DLOCK, "convert p50", "ms", Better.LOWER,
				new double[] { 0.55 });
		this.results.add(Converting.SECTION, "etcd", Figure.DLOCK, Converting.PAIRED_RATIO, "x", Better.LOWER,
				new double[] { 1.3, 1.1, 1.05 });
		this.results.add(Converting.SECTION, "etcd", Figure.DLOCK, "upgrade p50", "ms", Better.LOWER,
				new double[] { 0.6 });
		this.results.add(Converting.SECTION, "etcd", Figure.DLOCK, "acquire p50", "ms", Better.LOWER,
				new double[] { 0.8 });
		this.results.note("nats · dlock (conversion)", "failed: java.lang.UnsupportedOperationException: no");
		List<Target> targets = Target.evaluate(this.results);
		assertThat(targets).filteredOn((target) -> target.issue() == 15 && target.server().equals("etcd"))
			.satisfiesExactly((roundTrip) -> {
				assertThat(roundTrip.text())
					.isEqualTo("a conversion round trip ≤ 1.2x the raw txn (mod-revision CAS) it needs");
				assertThat(roundTrip.ratio()).isCloseTo(1.1, within(1e-9));
				assertThat(roundTrip.met()).isTrue();
			}, (upgrade) -> {
				assertThat(upgrade.text())
					.isEqualTo("a PR→EX upgrade with no other holder at most as slow as an uncontended acquire");
				assertThat(upgrade.ratio()).isCloseTo(0.75, within(1e-9));
				assertThat(upgrade.met()).isTrue();
			});
		assertThat(targets).filteredOn((target) -> target.issue() == 15 && target.server().equals("nats"))
			.hasSize(2)
			.allSatisfy((target) -> assertThat(target.verdict()).isEqualTo("not measured"));
		String md = MarkdownReport.write(this.results, this.machine, Settings.quickRun(), "run it", targets,
				"plot.svg", "raw.json", "1 min 00 s");
		assertThat(md).contains("## Conversion: PR→EX→PR by a lone holder")
			.contains("| server | library | convert p50 (ms) | convert p50 ÷ paired floor p50 (x) | upgrade p50 (ms) "
					+ "| acquire p50 (ms) |")
			.contains("| etcd | **dlock** | 0.550 | 1.10 (1.05–1.30) | 0.600 | 0.800 |")
			.contains("| #15 | etcd | a conversion round trip ≤ 1.2x the raw txn (mod-revision CAS) it needs | **1.10x** |")
			.contains("**nats · dlock (conversion)**: failed: java.lang.UnsupportedOperationException");
	}

	@Test
	void jsonHasEveryRoundAndEscapesText() throws IOException {
		this.results.note("a \"quoted\"\nnote", "x\\y");
		String json = JsonReport.write(this.results, this.machine, Settings.quickRun(), "run it",
				Target.evaluate(this.results));
		assertThat(json).contains("\"rounds\": [0.09, 0.1, 0.11]")
			.contains("\"ratioToFloor\": 2.5")
			.contains("\"bestPeer\": \"Redisson RLock\"")
			.contains("\"a \\\"quoted\\\"\\nnote\": \"x\\\\y\"")
			.contains("\"redis · dlock\": [0.2, 0.3]");
		assertThat(tokens(json)).isGreaterThan(50);
	}

	/** Reads the whole document with a JSON parser (which throws on anything malformed). */
	private static int tokens(String json) throws IOException {
		int tokens = 0;
		try (JsonParser parser = new JsonFactory().createParser(json)) {
			while (parser.nextToken() != null) {
				tokens++;
			}
		}
		return tokens;
	}

	@Test
	void jsonNumbersAreShortAndNaNIsNull() {
		assertThat(JsonReport.number(2)).isEqualTo("2");
		assertThat(JsonReport.number(0.25)).isEqualTo("0.25");
		assertThat(JsonReport.number(1234.5678)).isEqualTo("1234.57");
		assertThat(JsonReport.number(0.0001234)).isEqualTo("0.0001234");
		assertThat(JsonReport.number(6219.0000001)).isEqualTo("6219");
		assertThat(JsonReport.number(1234567.89)).isEqualTo("1234570");
		assertThat(JsonReport.number(Double.NaN)).isEqualTo("null");
	}

	@Test
	void svgIsWellFormedAndLabelsEveryLibrary() throws Exception {
		String svg = SvgPlot.handOff(this.results.distributions(), "2 cores & <JDK>");
		Document document = DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
		assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
		assertThat(svg).contains(">redis · dlock<").contains(">redis · Redisson RLock<").contains("2 cores &amp; &lt;JDK&gt;");
	}

	@Test
	void axisTicksArePlainNumbers() {
		assertThat(SvgPlot.tickLabel(0.1)).isEqualTo("0.1");
		assertThat(SvgPlot.tickLabel(1)).isEqualTo("1");
		assertThat(SvgPlot.tickLabel(100)).isEqualTo("100");
		assertThat(SvgPlot.tickLabel(Math.pow(10, -2))).isEqualTo("0.01");
	}

	@Test
	void figuresAreFormattedToAboutThreeDigits() {
		assertThat(Format.number(12345.6)).isEqualTo("12,346");
		assertThat(Format.number(123.4)).isEqualTo("123");
		assertThat(Format.number(12.34)).isEqualTo("12.3");
		assertThat(Format.number(1.234)).isEqualTo("1.23");
		assertThat(Format.number(0.01234)).isEqualTo("0.012");
		assertThat(Format.number(0.000314)).isEqualTo("0.00031");
		assertThat(Format.number(0.005)).isEqualTo("0.005");
		assertThat(Format.number(Double.NaN)).isEqualTo("–");
		assertThat(Format.ratio(1.2345)).isEqualTo("1.23x");
	}

	@Test
	void versionsAreReadFromJarNames() {
		assertThat(Machine.versionFromJarName(
				"jar:nested:/x/dlock-benchmarks.jar/!BOOT-INF/lib/jetcd-core-0.8.7.jar!/", "jetcd-core"))
			.isEqualTo("0.8.7");
		assertThat(Machine.versionFromJarName("file:/m2/io/nats/jnats/2.26.2/jnats-2.26.2.jar", "jnats"))
			.isEqualTo("2.26.2");
		assertThat(Machine.versionFromJarName("file:/m2/jetcd-core-api-1.0.jar", "jetcd-core")).isNull();
	}

	private static Results results() {
		Results results = new Results();
		results.add(Figure.FLOOR, "redis", "PING", "p50", "ms", Better.LOWER, new double[] { 0.09, 0.1, 0.11 });
		results.add(new Figure(HandOff.SECTION, "redis", Figure.DLOCK, "p50", "ms", Better.LOWER,
				new double[] { 0.2, 0.3, 0.25 }, "PING", "p50"));
		results.add(HandOff.SECTION, "redis", "Redisson RLock", "p50", "ms", Better.LOWER, new double[] { 0.8 });
		results.distribution("redis", Figure.DLOCK, Samples.of(300_000, 200_000));
		results.distribution("redis", "Redisson RLock", Samples.of(800_000));
		return results;
	}

}
