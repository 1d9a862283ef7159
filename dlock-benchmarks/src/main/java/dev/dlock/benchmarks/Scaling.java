package dev.dlock.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The figures of {@code docs/scaling.md}, from one run against the benchmark's own servers:
 * the scale case at several numbers of held locks (1,000, 10,000 and 100,000 by default),
 * the server operations each lock operation costs, and one thread's uncontended pairs per
 * second, for dlock on Redis, etcd and NATS. Writes {@code scaling-figures.md},
 * {@code scaling-raw.json} and {@code scaling.svg} (heap per held lock and renewal requests/s
 * against held locks).
 * <p>
 * Run as {@code java -jar dlock-benchmarks.jar scaling [options]}. Options: {@code --sizes
 * N,...} (held locks), {@code --lease SECONDS} (the lease while they are held; 30 s, dlock's
 * default, by default), {@code --servers SERVER,...} (some of {@code redis}, {@code etcd},
 * {@code nats}) and {@code --out DIR} (default {@code docs}).
 */
final class Scaling {

	static final String COMMAND = "./mvnw -q -pl dlock-benchmarks -am clean package -DskipTests && java -jar dlock-benchmarks/target/dlock-benchmarks.jar scaling";

	static final List<String> SERVERS = List.of("redis", "etcd", "nats");

	/** Acquires and releases counted per backend, and locks held while renewal is counted. */
	static final int OPERATIONS = 1_000;

	static final int HAND_OFFS = 200;

	/** Issue #19's bound on the heap per held lock, drawn in the plot. */
	static final double HEAP_TARGET = 400;

	private Scaling() {
	}

	static void main(String[] args) throws Exception {
		List<Integer> sizes = List.of(1_000, 10_000, 100_000);
		Duration lease = Duration.ofSeconds(30);
		List<String> servers = SERVERS;
		Path out = Path.of("docs");
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).sorted().toList();
				case "--lease" -> lease = Duration.ofSeconds(Long.parseLong(args[++i]));
				case "--servers" -> servers = Arrays.stream(args[++i].split(",")).peek(Scaling::checkServer).toList();
				case "--out" -> out = Path.of(args[++i]);
				default -> throw new IllegalArgumentException("Unknown option " + args[i]
						+ "; options: --sizes N,..., --lease SECONDS, --servers " + String.join(",", SERVERS)
						+ ", --out DIR");
			}
		}
		run(sizes, lease, servers, out);
	}

	private static void checkServer(String server) {
		if (!SERVERS.contains(server)) {
			throw new IllegalArgumentException("Unknown '" + server + "'; choose from " + SERVERS);
		}
	}

	private static void run(List<Integer> sizes, Duration lease, List<String> serverNames, Path out) throws Exception {
		Results results = new Results();
		Settings settings = Settings.fullRun().withScaleLease(lease);
		long start = System.nanoTime();
		try (Servers servers = Servers.start()) {
			Map<String, String> machine = Machine.describe(servers);
			machine.put("commit", commit());
			// the machine is shared: how loaded it was says how far to trust the absolute figures
			machine.put("load average at start (1, 5, 15 min)", loadAverage());
			machine.forEach((key, value) -> System.out.println("  " + key + ": " + value));
			for (String server : serverNames) {
				results.runPart("server operations", server, () -> ServerOperations.run(results, servers,
						library(server, servers, ServerOperations.LONG_LEASE),
						library(server, servers, ServerOperations.RENEWAL_LEASE), OPERATIONS, HAND_OFFS));
				results.runPart("uncontended", server,
						() -> Uncontended.run(settings, results, servers, library(server, servers, lease)));
				LockLibrary holding = library(server, servers, lease);
				for (int size : sizes) {
					results.runPart("scale " + String.format("%,d", size), server,
							() -> Scale.run(settings.withScaleLocks(size), results, servers, holding,
									ScalingReport.section(size)));
				}
			}
			machine.put("load average at end (1, 5, 15 min)", loadAverage());
			String subtitle = "one client per backend, " + lease.toSeconds() + " s lease; " + machine.get("cores")
					+ " cores; Redis " + machine.get("Redis") + ", etcd "
					+ machine.get("etcd") + ", NATS " + machine.get("NATS") + "; commit " + machine.get("commit")
					+ "; " + Instant.now().truncatedTo(ChronoUnit.SECONDS);
			Files.createDirectories(out);
			String plot = "scaling.svg";
			String raw = "scaling-raw.json";
			Files.writeString(out.resolve(plot), SvgPlot.perHeldLock(sizes,
					ScalingReport.series(results, sizes, Scale.HEAP), HEAP_TARGET,
					ScalingReport.series(results, sizes, Scale.RENEWAL), subtitle));
			Files.writeString(out.resolve(raw), JsonReport.write(results, machine, settings, COMMAND, List.of()));
			Files.writeString(out.resolve("scaling-figures.md"),
					ScalingReport.write(results, machine, sizes, settings, COMMAND, plot, raw));
			System.out.println("Done in " + Benchmarks.formatDuration(Duration.ofNanos(System.nanoTime() - start))
					+ "; wrote " + out.resolve("scaling-figures.md"));
		}
	}

	private static LockLibrary library(String server, Servers servers, Duration lease) {
		return DlockBackends.on(server, servers, lease)
			.orElseThrow(() -> new IllegalStateException("The " + server + " backend is not in this build"));
	}

	private static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return String.join(", ", fields[0], fields[1], fields[2]);
		}
		catch (IOException | ArrayIndexOutOfBoundsException ex) {
			return "?";
		}
	}

	/** The commit the run measured, with {@code +changes} if the work tree differed from it. */
	private static String commit() {
		try {
			String head = git("rev-parse", "--short=12", "HEAD");
			return git("status", "--porcelain", "--untracked-files=no").isEmpty() ? head : head + "+changes";
		}
		catch (IOException ex) {
			return "?";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "?";
		}
	}

	private static String git(String... args) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of("git"));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
		if (process.waitFor() != 0) {
			throw new IOException("git " + String.join(" ", args) + ": " + output);
		}
		return output;
	}

}
