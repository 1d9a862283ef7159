package dev.dlock.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The human-readable report: targets, one table per case (median over rounds, with the
 * range), the ratios of every dlock figure to its server's floor and to the best peer, and
 * how it was measured.
 */
final class MarkdownReport {

	private static final List<String> SECTIONS = List.of(Figure.FLOOR, Uncontended.SECTION, HandOff.SECTION, HandOffTurns.SECTION,
			Contended.SECTION, Modes.SECTION, Converting.SECTION, BlockingNotice.SECTION, CoherentRead.SECTION, Scale.SECTION,
			Pipelining.SECTION);

	private final StringBuilder md = new StringBuilder();

	private MarkdownReport() {
	}

	static String write(Results results, Map<String, String> machine, Settings settings, String command,
			List<Target> targets, String plotFile, String rawFile, String wallTime) {
		MarkdownReport report = new MarkdownReport();
		report.render(results, machine, settings, command, targets, plotFile, rawFile, wallTime);
		return report.md.toString();
	}

	private void render(Results results, Map<String, String> machine, Settings settings, String command,
			List<Target> targets, String plotFile, String rawFile, String wallTime) {
		line("# Benchmarks");
		line("");
		line("Written by the benchmark module; do not edit by hand. Regenerate with:");
		line("");
		line("```bash");
		line(command);
		line("```");
		line("");
		line("This run: " + (settings.quick() ? "**quick trial** (`--quick`: fewer, shorter rounds; not for quoting)"
				: "full") + ", " + settings.rounds() + " measured rounds per figure after a warm-up, wall time "
				+ wallTime + ". Every figure is the **median over the rounds**, with the range (min–max) in brackets. "
				+ "Raw numbers, every round and every hand-off latency: [`" + rawFile + "`](" + rawFile + ").");
		line("");
		line("## Machine");
		line("");
		line("| | |");
		line("|---|---|");
		machine.forEach((key, value) -> line("| " + key + " | " + value + " |"));
		line("");
		line("The servers are the benchmark's own `redis-server`, `etcd` and `nats-server -js`, started on free "
				+ "loopback ports (no persistence for Redis, file storage for JetStream and etcd), so that every run "
				+ "starts from empty servers; clients and servers share the same cores.");
		line("");
		renderTargets(targets);
		line("## Hand-off latency");
		line("");
		line("![hand-off latency per library](" + plotFile + ")");
		line("");
		line("Whiskers p1–p99, box p25–p75, thick mark p50, all hand-offs of all rounds.");
		line("");
		for (String section : SECTIONS) {
			renderSection(results, section);
		}
		renderRatios(results);
		if (!results.notes().isEmpty()) {
			line("## Notes");
			line("");
			results.notes().forEach((subject, text) -> line("- **" + subject + "**: " + text));
			line("");
		}
		renderMethod(settings);
	}

	private void renderTargets(List<Target> targets) {
		line("## Targets (issues 3, 4, 5 and 15)");
		line("");
		line("| issue | server | target | ratio | how | bound | verdict |");
		line("|---|---|---|---|---|---|---|");
		for (Target target : targets) {
			line("| #" + target.issue() + " | " + target.server() + " | " + target.text() + " | **"
					+ Format.ratio(target.ratio()) + "** | " + target.how() + " | " + target.bound() + " | "
					+ target.verdict() + " |");
		}
		line("");
	}

	private void renderSection(Results results, String section) {
		List<Figure> figures = results.figures().stream().filter((f) -> f.section().equals(section)).toList();
		if (figures.isEmpty()) {
			return;
		}
		Set<String> metrics = new LinkedHashSet<>();
		Set<String> rows = new LinkedHashSet<>();
		figures.forEach((f) -> {
			metrics.add(header(f));
			rows.add(f.server() + "\u0000" + f.library());
		});
		line("## " + title(section));
		line("");
		line(description(section));
		line("");
		StringBuilder header = new StringBuilder("| server | " + (section.equals(Figure.FLOOR) ? "operation" : "library"));
		StringBuilder rule = new StringBuilder("|---|---");
		for (String metric : metrics) {
			header.append(" | ").append(metric);
			rule.append("|---");
		}
		line(header + " |");
		line(rule + "|");
		for (String row : rows) {
			String[] parts = row.split("\u0000");
			StringBuilder cells = new StringBuilder("| " + parts[0] + " | "
					+ (parts[1].equals(Figure.DLOCK) ? "**dlock**" : parts[1]));
			for (String metric : metrics) {
				Optional<Figure> figure = figures.stream()
					.filter((f) -> f.server().equals(parts[0]) && f.library().equals(parts[1])
							&& header(f).equals(metric))
					.findFirst();
				cells.append(" | ").append(figure.map(MarkdownReport::cell).orElse(""));
			}
			line(cells + " |");
		}
		line("");
	}

	private void renderRatios(Results results) {
		line("## dlock against the floor and the best peer");
		line("");
		line("Ratio = dlock ÷ reference, on medians. For ms, bytes and requests lower is better (below 1x dlock is "
				+ "faster or smaller); for ops/s higher is better (above 1x dlock does more). The floor is the raw "
				+ "round trip of the same server (see the floors table); the best peer is the best library on the "
				+ "same server in the same case. – means no such reference (memory has no server; "
				+ "no peer has lock modes on etcd or NATS; heap, renewal and threads have no raw equivalent).");
		line("");
		line("| case | server | metric | dlock | floor | x floor | best peer | x best peer |");
		line("|---|---|---|---|---|---|---|---|");
		for (Figure figure : results.figures()) {
			if (!figure.isDlock()) {
				continue;
			}
			Optional<Figure> floor = results.floorOf(figure);
			Optional<Figure> peer = results.bestPeerOf(figure);
			line("| " + figure.section() + " | " + figure.server() + " | " + figure.metric() + " | "
					+ Format.number(figure.median()) + " " + figure.unit() + " | "
					+ floor.map((f) -> f.library() + " " + f.metric() + ": " + Format.number(f.median())).orElse("–")
					+ " | " + Format.ratio(Results.ratio(figure, floor.orElse(null))) + " | "
					+ peer.map((f) -> f.library() + ": " + Format.number(f.median())).orElse("–") + " | "
					+ Format.ratio(Results.ratio(figure, peer.orElse(null))) + " |");
		}
		line("");
	}

	private void renderMethod(Settings settings) {
		line("## How it is measured");
		line("");
		List<String> items = new ArrayList<>();
		items.add("Each library gets clients of its own, as separate application instances would: dlock a "
				+ "`LockManager` over its own backend (own connections; on Redis these come from one Lettuce "
				+ "`RedisClient` that all dlock clients share, so they share its I/O threads, except in the "
				+ "hand-off with turns), Redisson one `RedissonClient`, Spring "
				+ "Integration one `RedisLockRegistry` over its own `LettuceConnectionFactory`, ShedLock one "
				+ "`RedisLockProvider`, jetcd one `Client` with one lease kept alive; in memory, a fair "
				+ "`ReentrantLock` per key is the reference (its hand-off is what waking a parked thread costs in "
				+ "this harness). Library defaults otherwise; "
				+ "lease " + settings.lease().toSeconds() + " s (Redisson's watchdog timeout likewise).");
		items.add("dlock's `release()` is non-blocking: it returns at once and the backend removes the grant in "
				+ "the background, in order on the connection. So dlock's pair latency counts only what the caller "
				+ "waits for, while its throughput includes the releases (they share the connection and the server).");
		items.add("Uncontended: one thread, one client, one key; acquire, then release, back to back for "
				+ settings.round().toMillis() + " ms per round. Requests per pair are read from the server's own "
				+ "counters: Redis `EVAL`/`EVALSHA` calls (commands inside scripts are not client requests; "
				+ "ShedLock's plain commands are therefore not counted), etcd gRPC messages received, NATS messages in.");
		items.add("Hand-off: two clients on their own threads pass one key back and forth " + settings.handOffs()
				+ " times per round; the holder releases 5–105 ms (random, fixed seed) after the waiter started "
				+ "waiting, so a polling waiter is caught anywhere in its retry period. The figure is the time from "
				+ "the release call to the waiter's acquire returning.");
		items.add("Contended: 4 threads, each with its own client, increment one counter under an exclusive lock "
				+ "for " + settings.contendedRound().toMillis() + " ms per round; overlaps are checked.");
		items.add("Modes: 4 readers (dlock `PR`, a read lock elsewhere), each with its own client, hold the key 2 ms "
				+ "and take it again at once; a writer (dlock `PW`, a write lock) asks every 20 ms with a wait time of "
				+ "one round and holds it 1 ms. Writer wait includes the requests that ran out of time.");
		items.add("Conversion: one client holds a key alone in `PR` and calls `convert(EX)` then `convert(PR)` back "
				+ "to back; each round alternates " + Converting.BLOCKS + " blocks of these with " + Converting.BLOCKS
				+ " blocks of the raw operation a conversion needs, " + settings.round().dividedBy(Converting.BLOCKS)
				.toMillis() + " ms each (which kind goes first alternates), then acquires and releases `EX` on "
				+ "another key for " + settings.round().toMillis() + " ms; each conversion, raw operation and "
				+ "acquire is timed on its own, and the ratio of the conversions' p50 to the raw operations' p50 is "
				+ "taken per round.");
		items.add("Scale: one client holds " + String.format("%,d", settings.scaleLocks()) + " locks on distinct keys "
				+ "with a " + settings.scaleLease().toSeconds() + " s lease (renewal every third of it). Heap: used "
				+ "heap after full collections, with the client connected, before and after acquiring. Renewal: "
				+ "server requests per second while the locks are only held, " + settings.scaleWindow().toSeconds()
				+ " s per round. Threads: threads the JVM started while the client connected, acquired and held the "
				+ "locks (the 8 filling threads not counted), in two columns for dlock: its own (the new live threads "
				+ "named dlock-…) and its client library's (all the others: Lettuce, jetcd with gRPC and Vert.x, "
				+ "jnats); a peer's threads all count as its client library's.");
		items.add("16 threads: one client (one connection for dlock and raw Lettuce; Redisson uses its pool), 16 threads on "
				+ "distinct keys, rounds alternating with one thread on the same client.");
		items.add("Percentiles are nearest-rank over all operations of a round; ops/s counts completed operations "
				+ "over the round's wall time.");
		items.forEach((item) -> line("- " + item));
		line("");
	}

	private static String header(Figure figure) {
		return figure.metric().contains(figure.unit()) ? figure.metric() : figure.metric() + " (" + figure.unit() + ")";
	}

	private static String cell(Figure figure) {
		String median = Format.number(figure.median());
		if (figure.rounds().length < 2 || figure.min() == figure.max()) {
			return median;
		}
		return median + " (" + Format.number(figure.min()) + "–" + Format.number(figure.max()) + ")";
	}

	private static String title(String section) {
		return switch (section) {
			case Figure.FLOOR -> "Floors: raw server round trips";
			case Uncontended.SECTION -> "Uncontended EX acquire+release";
			case HandOff.SECTION -> "Hand-off between two clients";
			case HandOffTurns.SECTION -> "Hand-off between two client instances taking turns";
			case Contended.SECTION -> "Contended throughput: 4 clients, one key";
			case Modes.SECTION -> "Modes: 4 shared readers and a queued writer";
			case Converting.SECTION -> "Conversion: PR→EX→PR by a lone holder";
			case BlockingNotice.SECTION -> "Blocking notifications: a request queued → the holder told";
			case CoherentRead.SECTION -> "A coherent cached read (CoherentValue)";
			case Scale.SECTION -> "Scale: many locks held by one client";
			case Pipelining.SECTION -> "Redis: 16 threads over one client";
			default -> section;
		};
	}

	private static String description(String section) {
		return switch (section) {
			case Figure.FLOOR -> "From the same JVM and client library as dlock (Lettuce, jetcd, jnats). Redis "
					+ "EVALSHA: a set-if-absent-with-expiry script; EVALSHA lock+unlock adds a compare-and-delete "
					+ "script. etcd txn: create-if-absent; txn+delete adds a delete. NATS KV CAS: an update with the "
					+ "expected revision; KV create+delete: a create of a new key and its delete. The 16-thread rows "
					+ "run lock+unlock on 16 threads over one Lettuce connection. The rows \"after a pause\" send "
					+ "each hand-off's round trip after the hand-off's own idle pause (5–105 ms): on a virtual "
					+ "machine a round trip after such a pause costs several times one sent back to back, so they "
					+ "are the like-for-like floor of a hand-off. A \"pushed wake-up after a pause\" is, after the "
					+ "same pause, one client's write (Redis: a delete-and-publish script; etcd: a put; NATS: a KV "
					+ "put) pushed by the server to a second client (a pub/sub subscription, a watch, a KV watcher) "
					+ "whose I/O thread wakes a parked thread: the least a hand-off with pushed wake-ups can take.";
			case Uncontended.SECTION -> "One thread, one client, one key. ops/s counts acquire+release pairs.";
			case HandOff.SECTION -> "Time from the holder's release call to the waiter's acquire returning. "
					+ "Requests per hand-off: all server requests during the round (the release, the waiter's "
					+ "request and any re-checks) ÷ hand-offs. ShedLock cannot wait, so it has no hand-off.";
			case HandOffTurns.SECTION -> "The hand-off as an outside harness shapes it: two clients, each a client "
					+ "library instance of its own (dlock on Redis with its own Lettuce client and I/O threads), take "
					+ "turns on one key; each holds 5 ms + 0–100 ms on its own thread and releases, while the other "
					+ "waits in its acquire. Time from the release call to the waiter's acquire returning. Spin locks "
					+ "are left out (they are measured in the hand-off above).";
			case Contended.SECTION -> "Increments per second over all 4 threads, and how evenly the threads got "
					+ "their turns (the fewest increments of a thread ÷ the most; 1 is perfectly even). A lock that "
					+ "lets its releaser take it straight back does more per second but starves the others.";
			case Modes.SECTION -> "Only libraries with shared and exclusive modes: dlock (PR/PW) and Redisson's "
					+ "RReadWriteLock.";
			case BlockingNotice.SECTION -> "dlock only: no peer tells a holder what it blocks. One client holds a key "
					+ "in PR with a blocking listener; a second client with its own connections asks for EX after "
					+ "the hand-off's idle pause (5–105 ms), from a thread of its own, and withdraws once the holder "
					+ "was told. notice: from the request being sent to the listener running. paired wake-up: the "
					+ "raw pushed wake-up (a write the server pushes to a second client, which wakes a parked "
					+ "thread; see the floors), sampled alternately with the notices after the same kind of pause "
					+ "in the same rounds; notice ÷ paired wake-up is taken per round, the cell shows its median "
					+ "and range. Before the rounds, " + String.format("%,d", BlockingNotice.WARM_UPS)
					+ " notices and as many wake-ups (a tenth in a quick run) run back to back, so that the JIT has compiled the notice's "
					+ "own code paths (no other case runs them) as it has the client library's.";
			case CoherentRead.SECTION -> "dlock only: no peer keeps a value block with its locks. One client caches "
					+ "a value in a CoherentValue (it holds the key in PR); cached read: get() with the copy held, "
					+ "timed over 100,000 reads, and the requests the server's own counters show for them (Redis "
					+ "commands, etcd gRPC messages, NATS messages in; a lease renewal that falls in the window "
					+ "counts). revalidated read: after a second client took EX and let go without a new value, "
					+ "get() takes PR again and reads the unchanged version (no load). plain PR read: acquire PR, "
					+ "read the value block, release, as a caller without the helper would.";
			case Converting.SECTION -> "dlock only: no peer converts a held lock in place. One client holds a key "
					+ "alone in PR and converts it to EX and back, back to back, so every conversion is granted at "
					+ "once; ops/s counts PR→EX→PR round trips. convert: every single conversion. paired floor: the "
					+ "one raw server operation a conversion needs, sent through the same client library instance "
					+ "as the backend in blocks that alternate with the conversions' blocks in the same rounds, so "
					+ "both see the same load: Redis one EVALSHA of a script that sets a key with an expiry; etcd "
					+ "one transaction that compares a key's mod revision and puts it; NATS one update with the "
					+ "expected revision of a key in a bucket like dlock's whose every write a watcher on the same "
					+ "connection consumes. That watcher is part of the floor because dlock's design needs it: its "
					+ "one watcher per bucket must receive every write, the conversion's own included, before it "
					+ "decides, so the server pushes each conversion to it over the same connection as the reply. "
					+ "convert ÷ paired floor is taken per round; the cell shows its median and range over the "
					+ "rounds. upgrade: the PR→EX conversions alone. acquire: an uncontended EX acquire by the same "
					+ "client on another key, in the same rounds, which the upgrade is compared with. A backend "
					+ "that cannot convert fails this case (see the notes) rather than report a figure.";
			case Scale.SECTION -> "Only libraries that renew held locks by themselves. How dlock's figures grow with "
					+ "held locks, and a capacity model per backend: [scaling.md](scaling.md).";
			case Pipelining.SECTION -> "Acquire+release pairs per second on distinct keys over one client.";
			default -> "";
		};
	}

	private void line(String text) {
		this.md.append(text).append('\n');
	}

}
