package dev.dlock.simulation;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * When the last fault of a run ended (liveness is judged only after a quiet spell), and
 * how often the run reached the interleavings the simulation is meant to reach.
 */
final class Faults {

	private final EventLoop loop;

	private final long recoveryNanos;

	private final Map<String, Integer> reached = new TreeMap<>();

	private final Map<String, Integer> enqueuesInFlight = new HashMap<>();

	private long quietFrom = EventLoop.START;

	/**
	 * @param recoveryNanos how long after a fault the engine may take to repair its effects
	 * (a removal retried after back-off, a renewal round)
	 */
	Faults(EventLoop loop, long recoveryNanos) {
		this.loop = loop;
		this.recoveryNanos = recoveryNanos;
	}

	/** A fault that lasts until {@code until}. */
	void fault(String kind, long until) {
		this.quietFrom = Math.max(this.quietFrom, until + this.recoveryNanos);
		reached(kind);
	}

	/** Every fault ended at {@code now} (paused clients resumed early). */
	void allEnded(long now) {
		this.quietFrom = Math.min(this.quietFrom, now + this.recoveryNanos);
	}

	void dropped() {
		fault("message dropped", this.loop.now());
	}

	/** From when the engine must meet its liveness bound again. */
	long quietFrom() {
		return this.quietFrom;
	}

	void reached(String what) {
		this.reached.merge(what, 1, Integer::sum);
	}

	void enqueueSent(int client, String key) {
		this.enqueuesInFlight.merge(client + " " + key, 1, Integer::sum);
	}

	void enqueueAnswered(int client, String key) {
		this.enqueuesInFlight.merge(client + " " + key, -1, Integer::sum);
	}

	/** A change signal reached an open subscription. */
	void signalled(SimulatedServer.Entry entry, int client, boolean live) {
		if (!live && this.enqueuesInFlight.getOrDefault(client + " " + entry.key(), 0) > 0) {
			reached("signal for a gone entry while the client's enqueue of the key is under way");
		}
	}

	Map<String, Integer> reached() {
		return this.reached;
	}

}
