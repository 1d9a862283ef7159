package dev.dlock.benchmarks;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import dev.dlock.benchmarks.Figure.Better;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import static org.assertj.core.api.Assertions.assertThat;

class ScalingReportTests {

	private static final List<Integer> SIZES = List.of(1_000, 10_000, 100_000);

	private final Results results = results();

	@Test
	void markdownHasARowPerBackendAndNumberOfHeldLocks() {
		String md = ScalingReport.write(this.results, Map.of("cores", "2"), SIZES,
				Settings.fullRun().withScaleLease(Duration.ofSeconds(30)), "run it", "plot.svg", "raw.json");
		assertThat(md).contains("run it")
			.contains("![heap per held lock and renewal requests/s against held locks](plot.svg)")
			.contains("with a 30 s lease")
			.contains("| redis | 1,000 | 700 | 5.00 (4.00–6.00) |")
			.contains("| redis | 100,000 | 300 | 500 |")
			.contains("| nats | 10,000 | 1,300 | 1,000 |")
			.contains("| cores | 2 |");
	}

	@Test
	void markdownHasATableOfServerOperationsPerBackend() {
		String md = ScalingReport.write(this.results, Map.of(), SIZES, Settings.fullRun(), "run it", "plot.svg",
				"raw.json");
		assertThat(md).contains("**redis**")
			.contains("| counter | acquire | release |")
			.contains("| EVALSHA | 1.00 | 1.00 |")
			.contains("| ZADD | 2.00 |  |");
	}

	@Test
	void seriesHasOneValuePerSizeAndNaNWhereNotMeasured() {
		Map<String, double[]> heap = ScalingReport.series(this.results, SIZES, Scale.HEAP);
		assertThat(heap).containsOnlyKeys("redis", "nats");
		assertThat(heap.get("redis")).containsExactly(700, 500, 300);
		assertThat(heap.get("nats")[0]).isNaN();
		assertThat(heap.get("nats")[1]).isEqualTo(1300);
	}

	@Test
	void plotIsWellFormedWithALinePerBackendInEachPanel() throws Exception {
		Map<String, double[]> heap = new LinkedHashMap<>(ScalingReport.series(this.results, SIZES, Scale.HEAP));
		String svg = SvgPlot.perHeldLock(SIZES, heap, 400, ScalingReport.series(this.results, SIZES, Scale.RENEWAL),
				"2 cores & <commit>");
		Document document = DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
		assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
		assertThat(document.getElementsByTagName("polyline").getLength()).isEqualTo(4);
		assertThat(svg).contains(">100,000<").contains(">target 400 B<").contains("2 cores &amp; &lt;commit&gt;");
	}

	@Test
	void serverCountersThatDidNotChangeAreLeftOut() {
		Map<String, Double> difference = ServerCounters.difference(Map.of("EVALSHA", 10.0, "PING", 3.0),
				Map.of("EVALSHA", 15.0, "PING", 3.0, "ZADD", 2.0));
		assertThat(difference).containsExactlyInAnyOrderEntriesOf(Map.of("EVALSHA", 5.0, "ZADD", 2.0));
	}

	private static Results results() {
		Results results = new Results();
		scale(results, "redis", 1_000, Scale.HEAP, 700);
		results.add(ScalingReport.section(1_000), "redis", Figure.DLOCK, Scale.RENEWAL, "req/s", Better.LOWER,
				new double[] { 4, 5, 6 });
		scale(results, "redis", 10_000, Scale.HEAP, 500);
		scale(results, "redis", 100_000, Scale.HEAP, 300);
		scale(results, "redis", 10_000, Scale.RENEWAL, 50);
		scale(results, "redis", 100_000, Scale.RENEWAL, 500);
		scale(results, "nats", 10_000, Scale.HEAP, 1300);
		scale(results, "nats", 10_000, Scale.RENEWAL, 1000);
		operation(results, ServerOperations.ACQUIRE, "EVALSHA", 1);
		operation(results, ServerOperations.ACQUIRE, "ZADD", 2);
		operation(results, ServerOperations.RELEASE, "EVALSHA", 1);
		return results;
	}

	private static void scale(Results results, String server, int locks, String metric, double value) {
		results.add(ScalingReport.section(locks), server, Figure.DLOCK, metric, "", Better.LOWER,
				new double[] { value });
	}

	private static void operation(Results results, String operation, String counter, double value) {
		results.add(ServerOperations.SECTION, "redis", Figure.DLOCK, operation + ServerOperations.SEPARATOR + counter,
				"per op", Better.LOWER, new double[] { value });
	}

}
