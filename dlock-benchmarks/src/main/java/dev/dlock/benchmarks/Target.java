package dev.dlock.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A performance target of a backend issue, evaluated on one run's medians.
 *
 * @param issue the issue number
 * @param server the server
 * @param text what the issue asks for
 * @param how how the ratio is computed
 * @param ratio the measured ratio, {@code NaN} if a figure is missing
 * @param limit the bound
 * @param atMost whether the ratio must be at most the bound (else at least)
 */
record Target(int issue, String server, String text, String how, double ratio, double limit, boolean atMost) {

	boolean measured() {
		return Double.isFinite(this.ratio);
	}

	boolean met() {
		return measured() && (this.atMost ? this.ratio <= this.limit : this.ratio >= this.limit);
	}

	String verdict() {
		return !measured() ? "not measured" : met() ? "met" : "not met";
	}

	String bound() {
		return (this.atMost ? "≤ " : "≥ ") + Format.ratio(this.limit);
	}

	/**
	 * The targets of issues 3 (Redis), 4 (etcd), 5 (NATS), 15 (conversion, every backend) and
	 * 16 (blocking notifications, coherent reads).
	 */
	static List<Target> evaluate(Results results) {
		Lookup r = new Lookup(results);
		List<Target> targets = new ArrayList<>();
		targets.add(new Target(3, "redis", "uncontended acquire p50 ≤ 1.2x one raw EVALSHA",
				"dlock acquire p50 ÷ raw EVALSHA p50",
				r.ratio(r.dlock(Uncontended.SECTION, "redis", "acquire p50"),
						r.floor("redis", Floors.EVALSHA, "p50")),
				1.2, true));
		targets.add(new Target(3, "redis", "one-thread acquire+release throughput ≥ 1.3x Redisson RLock",
				"dlock ops/s ÷ Redisson ops/s", r.ratio(r.dlock(Uncontended.SECTION, "redis", "ops/s"),
						r.peer(Uncontended.SECTION, "redis", "Redisson RLock", "ops/s")),
				1.3, false));
		targets.add(new Target(3, "redis", "hand-off p50 ≤ 3x a raw PING", "dlock hand-off p50 ÷ PING p50",
				r.ratio(r.dlock(HandOff.SECTION, "redis", "p50"), r.floor("redis", Floors.PING, "p50")), 3, true));
		targets.add(likeForLike(r, 3, "redis", "PING", 3));
		targets.add(pushedFloor(r, 3, "redis", "PING", 3));
		targets.add(new Target(3, "redis", "hand-off at least 2x faster than Redisson",
				"Redisson hand-off p50 ÷ dlock hand-off p50",
				r.ratio(r.peer(HandOff.SECTION, "redis", "Redisson RLock", "p50"), r.dlock(HandOff.SECTION, "redis", "p50")),
				2, false));
		targets.add(pushedAgainstPeer(r, 3, "redis", "Redisson RLock", 2));
		targets.add(new Target(3, "redis", "hand-off at least 2x faster than Spring Integration (its faster, pub/sub type)",
				"Spring Integration pub/sub hand-off p50 ÷ dlock hand-off p50",
				r.ratio(r.peer(HandOff.SECTION, "redis", "Spring Integration pub/sub", "p50"),
						r.dlock(HandOff.SECTION, "redis", "p50")),
				2, false));
		targets.add(pushedAgainstPeer(r, 3, "redis", "Spring Integration pub/sub", 2));
		targets.add(new Target(3, "redis", "16 threads on distinct keys over one client ≥ 3x the one-thread figure",
				"dlock 16-thread ops/s ÷ 1-thread ops/s (same rounds)",
				r.value(r.dlock(Pipelining.SECTION, "redis", "16 threads ÷ 1 thread")), 3, false));
		targets.add(new Target(4, "etcd", "uncontended EX acquire+release ≤ 1.2x the raw transactions the design needs",
				"raw txn+delete ops/s ÷ dlock ops/s (time per pair)",
				r.ratio(r.floor("etcd", Floors.TXN_PAIR, "ops/s"), r.dlock(Uncontended.SECTION, "etcd", "ops/s")), 1.2,
				true));
		targets.add(new Target(4, "etcd", "uncontended throughput ≥ jetcd Lock", "dlock ops/s ÷ jetcd Lock ops/s",
				r.ratio(r.dlock(Uncontended.SECTION, "etcd", "ops/s"),
						r.peer(Uncontended.SECTION, "etcd", "jetcd Lock", "ops/s")),
				1, false));
		targets.add(new Target(4, "etcd", "hand-off p50 ≤ 3x a raw put", "dlock hand-off p50 ÷ put p50",
				r.ratio(r.dlock(HandOff.SECTION, "etcd", "p50"), r.floor("etcd", Floors.PUT, "p50")), 3, true));
		targets.add(likeForLike(r, 4, "etcd", "put", 3));
		targets.add(pushedFloor(r, 4, "etcd", "put", 3));
		targets.add(new Target(4, "etcd", "hand-off at least 10x faster than jetcd Lock",
				"jetcd Lock hand-off p50 ÷ dlock hand-off p50",
				r.ratio(r.peer(HandOff.SECTION, "etcd", "jetcd Lock", "p50"), r.dlock(HandOff.SECTION, "etcd", "p50")),
				10, false));
		targets.add(new Target(5, "nats", "uncontended EX acquire+release ≤ 1.2x the raw KV operations the design needs",
				"raw KV create+delete ops/s ÷ dlock ops/s (time per pair)",
				r.ratio(r.floor("nats", Floors.KV_PAIR, "ops/s"), r.dlock(Uncontended.SECTION, "nats", "ops/s")), 1.2,
				true));
		targets.add(new Target(5, "nats", "hand-off p50 ≤ 4x a raw KV compare-and-set", "dlock hand-off p50 ÷ KV CAS p50",
				r.ratio(r.dlock(HandOff.SECTION, "nats", "p50"), r.floor("nats", Floors.KV_CAS, "p50")), 4, true));
		targets.add(likeForLike(r, 5, "nats", "KV compare-and-set", 4));
		targets.add(pushedFloor(r, 5, "nats", "KV compare-and-set", 4));
		for (String server : List.of("redis", "etcd", "nats")) {
			String op = ConversionFloor.name(server);
			targets.add(new Target(15, server, "a conversion round trip ≤ 1.2x the raw " + op + " it needs",
					"median over rounds of (dlock convert p50 (each conversion of PR→EX→PR) ÷ raw " + op
							+ " p50, timed in alternating blocks of the same round, same client library instance)",
					r.value(r.dlock(Converting.SECTION, server, Converting.PAIRED_RATIO)), 1.2, true));
		}
		for (String server : List.of("redis", "etcd", "nats", "memory")) {
			targets.add(new Target(15, server, "a PR→EX upgrade with no other holder at most as slow as an "
					+ "uncontended acquire", "dlock upgrade p50 ÷ dlock EX acquire p50 (same client, same rounds)",
					r.ratio(r.dlock(Converting.SECTION, server, "upgrade p50"),
							r.dlock(Converting.SECTION, server, "acquire p50")),
					1, true));
		}
		for (String server : List.of("redis", "etcd", "nats")) {
			targets.add(new Target(16, server, "blocking notice p50 ≤ 1.2x the pushed wake-up floor",
					"median over rounds of (dlock notice p50 ÷ raw pushed wake-up p50, sampled alternately after the "
							+ "same pauses in the same rounds)",
					r.value(r.dlock(BlockingNotice.SECTION, server, BlockingNotice.PAIRED_RATIO)), 1.2, true));
			targets.add(new Target(16, server, "a cached read through CoherentValue costs no server round trip",
					"server requests per cached read (the server's own counters around 100,000 reads; a lease "
							+ "renewal in the window counts)",
					r.value(r.dlock(CoherentRead.SECTION, server, CoherentRead.REQUESTS_PER_CACHED_READ)), 0.001,
					true));
		}
		return targets;
	}

	/**
	 * The hand-off bound against the same round trip sent after the hand-off's idle pause:
	 * not a target of the issue, the like-for-like reading of it (see
	 * {@link Floors#AFTER_PAUSE}).
	 */
	private static Target likeForLike(Lookup r, int issue, String server, String roundTrip, double limit) {
		return new Target(issue, server, "  (like for like: the same bound against a raw " + roundTrip
				+ " after the same idle pause)", "dlock hand-off p50 ÷ " + Floors.roundTripAfterPause(server) + " p50",
				r.ratio(r.dlock(HandOff.SECTION, server, "p50"), r.floor(server, Floors.roundTripAfterPause(server), "p50")),
				limit, true);
	}

	/**
	 * The hand-off bound applied to the raw pushed wake-up instead of dlock (see
	 * {@link WakeUpFloor}): where even that is above the bound, no design that pushes
	 * wake-ups can meet it on this machine.
	 */
	private static Target pushedFloor(Lookup r, int issue, String server, String roundTrip, double limit) {
		return new Target(issue, server, "  (any pushed design: the raw pushed wake-up after the same pause against a "
				+ "raw " + roundTrip + ")", Floors.WAKE_UP + " p50 ÷ " + Floors.roundTrip(server) + " p50",
				r.ratio(r.floor(server, Floors.WAKE_UP, "p50"), r.floor(server, Floors.roundTrip(server), "p50")), limit,
				true);
	}

	/**
	 * How much faster than a peer any design that pushes wake-ups could be here: the peer's
	 * hand-off against the raw pushed wake-up (see {@link WakeUpFloor}).
	 */
	private static Target pushedAgainstPeer(Lookup r, int issue, String server, String peer, double limit) {
		return new Target(issue, server, "  (any pushed design: " + peer + " hand-off against the raw pushed wake-up "
				+ "after the same pause)", peer + " hand-off p50 ÷ " + Floors.WAKE_UP + " p50",
				r.ratio(r.peer(HandOff.SECTION, server, peer, "p50"), r.floor(server, Floors.WAKE_UP, "p50")), limit,
				false);
	}

	private record Lookup(Results results) {

		Optional<Figure> dlock(String section, String server, String metric) {
			return this.results.find(section, server, Figure.DLOCK, metric);
		}

		Optional<Figure> peer(String section, String server, String library, String metric) {
			return this.results.find(section, server, library, metric);
		}

		Optional<Figure> floor(String server, String library, String metric) {
			return this.results.find(Figure.FLOOR, server, library, metric);
		}

		double ratio(Optional<Figure> numerator, Optional<Figure> denominator) {
			return (numerator.isPresent() && denominator.isPresent())
					? Results.ratio(numerator.get(), denominator.get()) : Double.NaN;
		}

		double value(Optional<Figure> figure) {
			return figure.map(Figure::median).orElse(Double.NaN);
		}

	}

}
