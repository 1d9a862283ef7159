package dev.dlock.support;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.dlock.LockMode;
import dev.dlock.spi.Queued;
import org.jspecify.annotations.Nullable;

/**
 * The grant rules of one resource's queue with conversions (DESIGN.md §3 and §12), for
 * backends that decide in Java; the Redis scripts implement the same rules in Lua, and
 * the conformance kit checks every backend against them.
 * <p>
 * A resource has three orders: the granted entries, the conversion queue (granted entries
 * with a pending conversion, by {@link Queued#conversionOrder()}), and the waiting queue
 * (new requests, by ticket).
 * <p>
 * A backend may record a grant when it tells the engine (the memory table, Redis) or only
 * derive it from the queue each time (etcd, NATS, whose polls are reads). The rules hold
 * for both: a waiting request that may be granted counts as granted in its mode for the
 * conversions of others, so that no conversion is granted over a grant that a poll may
 * already have reported.
 *
 * @since 0.1.0
 */
public final class QueueRules {

	private QueueRules() {
	}

	/**
	 * An entry that keeps a waiting new request from being granted: another entry whose
	 * granted mode or pending conversion conflicts with it, or an earlier waiting request
	 * that conflicts with it. The latest such waiting request is preferred, then any granted
	 * or converting entry.
	 * @param queue the live entries of the resource, the request among them
	 * @param request the waiting request
	 * @return a blocker, or {@code null} when the request may be granted
	 */
	public static @Nullable Queued blockerOfRequest(List<Queued> queue, Queued request) {
		LockMode mode = Objects.requireNonNull(request.requested(), "not a request");
		Queued blocker = null;
		for (Queued other : queue) {
			if (other.ticket() == request.ticket()) {
				continue;
			}
			boolean blocks = (other.isWaiting()) ? other.ticket() < request.ticket() && conflicts(mode, other.requested())
					: conflicts(mode, other.granted()) || conflicts(mode, other.requested());
			if (blocks && (blocker == null || isLaterBlocker(other, blocker))) {
				blocker = other;
			}
		}
		return blocker;
	}

	/**
	 * An entry that keeps a conversion of {@code entry} to {@code target} from being
	 * granted: another entry whose granted mode conflicts with the target, or a conversion
	 * ahead in the conversion queue whose target conflicts with it. A down-conversion has no
	 * blocker.
	 * @param queue the live entries of the resource
	 * @param entry the granted entry that converts (with its conversion pending or not)
	 * @param target the mode it converts to
	 * @return a blocker, or {@code null} when the conversion may be granted
	 */
	public static @Nullable Queued blockerOfConversion(List<Queued> queue, Queued entry, LockMode target) {
		LockMode held = Objects.requireNonNull(entry.granted(), "not a granted entry");
		if (held.covers(target)) {
			return null;
		}
		// a conversion not yet recorded would join the end of the conversion queue
		Queued asking = entry.isConverting() ? entry
				: Queued.converting(entry.ticket(), held, target, Long.MAX_VALUE);
		for (Queued other : effective(queue)) {
			if (other.ticket() != entry.ticket() && waitsFor(asking, target, other)) {
				return other;
			}
		}
		return null;
	}

	/**
	 * Whether a conversion of {@code entry} to {@code target}, put at the end of the
	 * conversion queue, would be part of a cycle of conversions that wait for each other,
	 * so that none of them could ever be granted. Only a new conversion can close such a
	 * cycle, so this is asked once, when it would have to wait.
	 * @param queue the live entries of the resource (the entry with no conversion pending)
	 * @param entry the granted entry that asks to convert
	 * @param target the mode it asks for
	 * @return whether the conversion must be refused
	 */
	public static boolean closesCycle(List<Queued> queue, Queued entry, LockMode target) {
		List<Queued> effective = effective(queue);
		long last = effective.stream()
			.filter(Queued::isConverting)
			.mapToLong(Queued::conversionOrder)
			.max()
			.orElse(0);
		Queued asking = Queued.converting(entry.ticket(), Objects.requireNonNull(entry.granted()), target, last + 1);
		Deque<Queued> toVisit = new ArrayDeque<>();
		Set<Long> visited = new HashSet<>();
		toVisit.push(asking);
		while (!toVisit.isEmpty()) {
			Queued from = toVisit.pop();
			for (Queued other : effective) {
				Queued to = (other.ticket() == asking.ticket()) ? asking : other;
				if (to.ticket() == from.ticket() || !waitsFor(from, from.requested(), to)) {
					continue;
				}
				if (to == asking) {
					return true;
				}
				if (to.isConverting() && visited.add(to.ticket())) {
					toVisit.push(to);
				}
			}
		}
		return false;
	}

	/**
	 * The queue with each waiting request that may be granted shown as granted in its mode.
	 * @param queue the live entries of a resource
	 * @return the queue as the conversion rules see it
	 */
	public static List<Queued> effective(List<Queued> queue) {
		List<Queued> effective = new ArrayList<>(queue.size());
		for (Queued entry : queue) {
			boolean grantable = entry.isWaiting() && blockerOfRequest(queue, entry) == null;
			effective.add(grantable ? Queued.granted(entry.ticket(), Objects.requireNonNull(entry.requested()))
					: entry);
		}
		return effective;
	}

	/**
	 * Whether {@code converting}, converting to {@code target}, waits for {@code other}.
	 */
	private static boolean waitsFor(Queued converting, @Nullable LockMode target, Queued other) {
		if (target == null || other.isWaiting()) {
			return false; // waiting new requests never block a conversion
		}
		if (conflicts(target, other.granted())) {
			return true;
		}
		return other.isConverting() && other.conversionOrder() < converting.conversionOrder()
				&& conflicts(target, other.requested());
	}

	/** Waiting requests by latest ticket first, then granted or converting entries. */
	private static boolean isLaterBlocker(Queued candidate, Queued current) {
		if (candidate.isWaiting() != current.isWaiting()) {
			return candidate.isWaiting();
		}
		return candidate.ticket() > current.ticket();
	}

	private static boolean conflicts(LockMode mode, @Nullable LockMode other) {
		return other != null && !mode.isCompatibleWith(other);
	}

}
