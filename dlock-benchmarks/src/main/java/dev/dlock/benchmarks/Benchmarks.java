package dev.dlock.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.redis.util.RedisLockRegistry.RedisLockType;

/**
 * Runs every benchmark case against the benchmark's own servers and writes
 * {@code docs/benchmarks.md}, {@code docs/benchmarks-raw.json} and
 * {@code docs/benchmarks-handoff.svg}.
 * <p>
 * Options: {@code --quick} (a short trial: fewer, shorter rounds, written to
 * {@code dlock-benchmarks/target/quick}), {@code --out DIR} (where to write, default
 * {@code docs}), {@code --only CASE,...} (some of {@code floor},
 * {@code uncontended}, {@code hand-off}, {@code hand-off-turns}, {@code contended}, {@code modes},
 * {@code conversion}, {@code blocking}, {@code 16-threads}, {@code scale}) and {@code --servers SERVER,...} (some of
 * {@code redis}, {@code etcd}, {@code nats}, {@code memory}) and {@code --scale-locks N} (the
 * locks held at once in the scale case; 10,000 in a full run) and {@code --scale-lease SECONDS}
 * (the lease in the scale case; 6 s in a full run, which 100,000 locks on Redis on a loaded
 * 2-core machine do not renew in time).
 * <p>
 * With {@code scaling} as the first argument it runs {@link Scaling} instead, which writes
 * the figures of {@code docs/scaling.md}.
 */
public final class Benchmarks {

	static final String COMMAND = "./mvnw -q -pl dlock-benchmarks -am clean package -DskipTests && java -jar dlock-benchmarks/target/dlock-benchmarks.jar";

	static final List<String> CASES = List.of("floor", "uncontended", "hand-off", "hand-off-turns", "contended", "modes", "conversion",
			"blocking", "coherent", "16-threads", "scale");

	static final List<String> SERVERS = List.of("redis", "etcd", "nats", "memory");

	/** The first argument that runs {@link Scaling} (the figures of {@code docs/scaling.md}) instead. */
	static final String SCALING = "scaling";

	private final Settings settings;

	private final Set<String> cases;

	private final Set<String> servers;

	private final Results results = new Results();

	private Benchmarks(Settings settings, Set<String> cases, Set<String> servers) {
		this.settings = settings;
		this.cases = cases;
		this.servers = servers;
	}

	/**
	 * Runs the benchmarks.
	 * @param args the options
	 * @throws Exception if the servers cannot start or the report cannot be written
	 */
	public static void main(String[] args) throws Exception {
		System.setProperty("logback.configurationFile", "benchmarks-logback.xml");
		if (args.length > 0 && args[0].equals(SCALING)) {
			Scaling.main(Arrays.copyOfRange(args, 1, args.length));
			System.exit(0);
		}
		boolean quick = false;
		@Nullable Path out = null;
		Set<String> cases = Set.copyOf(CASES);
		Set<String> servers = Set.copyOf(SERVERS);
		@Nullable Integer scaleLocks = null;
		@Nullable Duration scaleLease = null;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--quick" -> quick = true;
				case "--out" -> out = Path.of(args[++i]);
				case "--only" -> cases = list(args[++i], CASES);
				case "--servers" -> servers = list(args[++i], SERVERS);
				case "--scale-locks" -> scaleLocks = Integer.valueOf(args[++i]);
				case "--scale-lease" -> scaleLease = Duration.ofSeconds(Long.parseLong(args[++i]));
				default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; options: --quick, "
						+ "--out DIR, --only " + String.join(",", CASES) + ", --servers " + String.join(",", SERVERS)
						+ ", --scale-locks N, --scale-lease SECONDS");
			}
		}
		// a trial run never overwrites the published report
		Path target = (out != null) ? out : quick ? Path.of("dlock-benchmarks", "target", "quick") : Path.of("docs");
		Settings settings = quick ? Settings.quickRun() : Settings.fullRun();
		if (scaleLocks != null) {
			settings = settings.withScaleLocks(scaleLocks);
		}
		if (scaleLease != null) {
			settings = settings.withScaleLease(scaleLease);
		}
		new Benchmarks(settings, cases, servers).run(target);
		System.exit(0);
	}

	private static Set<String> list(String value, List<String> allowed) {
		Set<String> items = Set.of(value.split(","));
		for (String item : items) {
			if (!allowed.contains(item)) {
				throw new IllegalArgumentException("Unknown '" + item + "'; choose from " + allowed);
			}
		}
		return items;
	}

	private void run(Path out) throws Exception {
		long start = System.nanoTime();
		System.out.println("dlock benchmarks (" + (this.settings.quick() ? "quick" : "full") + "): starting servers");
		try (Servers servers = Servers.start()) {
			Map<String, String> machine = Machine.describe(servers);
			machine.forEach((key, value) -> System.out.println("  " + key + ": " + value));
			List<LockLibrary> libraries = libraries(servers, this.settings.lease());
			if (enabled("floor")) {
				Floors floors = new Floors(this.settings, this.results, servers);
				step("floor", "redis", floors::redis);
				step("floor", "etcd", floors::etcd);
				step("floor", "nats", floors::nats);
			}
			if (enabled("uncontended")) {
				for (LockLibrary library : libraries) {
					step("uncontended", library, () -> Uncontended.run(this.settings, this.results, servers, library));
				}
			}
			if (enabled("hand-off")) {
				for (LockLibrary library : libraries) {
					if (library.canWait()) {
						step("hand-off", library, () -> HandOff.run(this.settings, this.results, servers, library));
					}
				}
			}
			if (enabled("hand-off-turns")) {
				for (LockLibrary library : libraries(servers, this.settings.lease(), true)) {
					if (library.canWait() && !library.server().equals("memory")
							&& !(library instanceof SpringIntegrationLibrary registry && registry.spins())) {
						step("hand-off-turns", library,
								() -> HandOffTurns.run(this.settings, this.results, library));
					}
				}
			}
			if (enabled("contended")) {
				for (LockLibrary library : libraries) {
					if (library.canWait() && !library.server().equals("memory")) {
						step("contended", library, () -> Contended.run(this.settings, this.results, library));
					}
				}
			}
			if (enabled("modes")) {
				for (LockLibrary library : libraries) {
					if (library.hasModes() && !library.server().equals("memory")) {
						step("modes", library, () -> Modes.run(this.settings, this.results, library));
					}
				}
			}
			if (enabled("conversion")) {
				for (LockLibrary library : libraries) {
					// every backend the run covers: one that cannot convert yet fails here, and the run notes why
					if (library instanceof DlockLibrary dlock) {
						step("conversion", library, () -> Converting.run(this.settings, this.results, dlock));
					}
				}
			}
			if (enabled("blocking")) {
				for (LockLibrary library : libraries) {
					if (library instanceof DlockLibrary dlock && !library.server().equals("memory")) {
						step("blocking", library, () -> BlockingNotice.run(this.settings, this.results, servers, dlock));
					}
				}
			}
			if (enabled("coherent")) {
				for (LockLibrary library : libraries) {
					if (library instanceof DlockLibrary dlock && !library.server().equals("memory")) {
						step("coherent", library, () -> CoherentRead.run(this.settings, this.results, servers, dlock));
					}
				}
			}
			if (enabled("16-threads") && this.servers.contains("redis")) {
				step("16-threads", "redis", () -> Pipelining.floor(this.settings, this.results, servers));
				for (LockLibrary library : libraries) {
					// the spin registry runs the same scripts as the pub/sub one when nobody waits
					if (library.server().equals("redis") && library.canWait()
							&& !(library instanceof SpringIntegrationLibrary registry && registry.spins())) {
						step("16-threads", library, () -> Pipelining.run(this.settings, this.results, library));
					}
				}
			}
			if (enabled("scale")) {
				for (LockLibrary library : libraries(servers, this.settings.scaleLease())) {
					if (library.renews() && !library.server().equals("memory")) {
						step("scale", library, () -> Scale.run(this.settings, this.results, servers, library));
					}
				}
			}
			String wallTime = formatDuration(Duration.ofNanos(System.nanoTime() - start));
			write(out, machine, wallTime);
			System.out.println("Done in " + wallTime + "; wrote " + out.resolve("benchmarks.md"));
		}
	}

	private List<LockLibrary> libraries(Servers servers, Duration lease) {
		return libraries(servers, lease, false);
	}

	/**
	 * The libraries of the servers in this run.
	 * @param ownInstances whether each dlock client on Redis gets a Lettuce client of its
	 * own instead of sharing the benchmark's one
	 */
	private List<LockLibrary> libraries(Servers servers, Duration lease, boolean ownInstances) {
		List<LockLibrary> libraries = new ArrayList<>();
		for (String server : SERVERS) {
			if (!this.servers.contains(server)) {
				continue;
			}
			(ownInstances ? DlockBackends.onOwnInstances(server, servers, lease)
					: DlockBackends.on(server, servers, lease))
				.ifPresentOrElse(libraries::add, () -> this.results.note("dlock on " + server,
						"not measured: the " + server + " backend is not in this build"));
			switch (server) {
				case "redis" -> {
					libraries.add(new RedissonLibrary(servers.redisUri(), lease));
					libraries.add(new SpringIntegrationLibrary(servers.redisHost(), servers.redisPort(),
							RedisLockType.SPIN_LOCK, lease));
					libraries.add(new SpringIntegrationLibrary(servers.redisHost(), servers.redisPort(),
							RedisLockType.PUB_SUB_LOCK, lease));
					libraries.add(new ShedLockLibrary(servers.redisHost(), servers.redisPort(), lease));
				}
				case "etcd" -> libraries.add(new JetcdLockLibrary(servers.etcdEndpoint(), lease));
				case "memory" -> libraries.add(new JvmLockLibrary());
				default -> {
				}
			}
		}
		return libraries;
	}

	private boolean enabled(String name) {
		return this.cases.contains(name);
	}

	private void step(String name, LockLibrary library, Results.Part task) {
		step(name, library.server() + " · " + library.name(), task);
	}

	private void step(String name, String subject, Results.Part task) {
		if (subject.startsWith("memory") && !this.servers.contains("memory")) {
			return;
		}
		for (String server : SERVERS) {
			if (subject.startsWith(server) && !this.servers.contains(server)) {
				return;
			}
		}
		this.results.runPart(name, subject, task);
	}

	private void write(Path out, Map<String, String> machine, String wallTime) throws IOException {
		Files.createDirectories(out);
		List<Target> targets = Target.evaluate(this.results);
		String plot = "benchmarks-handoff.svg";
		String raw = "benchmarks-raw.json";
		String subtitle = machine.get("cores") + " cores, " + machine.get("JDK") + "; Redis " + machine.get("Redis")
				+ ", etcd " + machine.get("etcd") + ", NATS " + machine.get("NATS") + "; "
				+ Instant.now().truncatedTo(ChronoUnit.SECONDS);
		Files.writeString(out.resolve(plot), SvgPlot.handOff(this.results.distributions(), subtitle));
		Files.writeString(out.resolve(raw), JsonReport.write(this.results, machine, this.settings, COMMAND, targets));
		Files.writeString(out.resolve("benchmarks.md"), MarkdownReport.write(this.results, machine, this.settings,
				COMMAND, targets, plot, raw, wallTime));
		System.out.println();
		System.out.println("dlock ÷ floor and ÷ best peer (medians):");
		for (Figure figure : this.results.figures()) {
			if (figure.isDlock()) {
				Figure floor = this.results.floorOf(figure).orElse(null);
				Figure peer = this.results.bestPeerOf(figure).orElse(null);
				System.out.printf(Locale.ROOT, "  %-12s %-6s %-24s %12s %-6s  x floor %7s  x best peer %7s%s%n",
						figure.section(), figure.server(), figure.metric(), Format.number(figure.median()),
						figure.unit(), Format.ratio(Results.ratio(figure, floor)),
						Format.ratio(Results.ratio(figure, peer)), (peer != null) ? " (" + peer.library() + ")" : "");
			}
		}
		HandOffTurns.printRatios(this.results);
		System.out.println();
		System.out.println("Targets:");
		for (Target target : targets) {
			System.out.printf(Locale.ROOT, "  #%d %-5s %-90s %8s %s %s%n", target.issue(), target.server(),
					target.text(), Format.ratio(target.ratio()), target.bound(), target.verdict());
		}
	}

	static String formatDuration(Duration duration) {
		return String.format(Locale.ROOT, "%d min %02d s", duration.toMinutes(), duration.toSecondsPart());
	}

}
