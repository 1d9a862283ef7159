package dev.dlock.tck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.dlock.LockMode;
import dev.dlock.spi.Queued;

/**
 * The reference model of DESIGN.md §12 that conversions are checked against: a
 * restatement of the rules in their own words, written apart from the code it checks.
 * Where the code finds a deadlock by looking for a cycle of conversions that wait for each
 * other, the model asks the question the rule answers: could the conversion ever be
 * granted if every holder that can release did?
 *
 * @since 0.1.0
 */
public final class ConversionModel {

	private ConversionModel() {
	}

	/**
	 * What happens to a request or a conversion when it is asked for.
	 */
	public enum Outcome {

		/** Granted at once. */
		GRANTED,

		/** Recorded; it waits. */
		WAITS,

		/** Refused: it could never be granted. */
		DEADLOCK

	}

	/**
	 * Whether a waiting new request may be granted: its mode agrees with every granted mode,
	 * every mode a conversion asks for, and every request that came before it.
	 * @param queue the entries of the lock
	 * @param request a waiting request among them
	 * @return whether it may be granted
	 */
	public static boolean requestMayBeGranted(List<Queued> queue, Queued request) {
		LockMode mode = request.requested();
		for (Queued other : queue) {
			if (other.ticket() == request.ticket()) {
				continue;
			}
			if (other.granted() != null && !mode.isCompatibleWith(other.granted())) {
				return false;
			}
			if (other.granted() != null && other.requested() != null && !mode.isCompatibleWith(other.requested())) {
				return false;
			}
			if (other.granted() == null && other.ticket() < request.ticket()
					&& !mode.isCompatibleWith(other.requested())) {
				return false;
			}
		}
		return true;
	}

	/**
	 * What a conversion of a granted entry (with no conversion pending) to {@code target}
	 * meets when it is asked for.
	 * @param queue the entries of the lock, the converting one among them
	 * @param entry the granted entry that asks
	 * @param target the mode it asks for
	 * @return granted, waits, or deadlock
	 */
	public static Outcome conversion(List<Queued> queue, Queued entry, LockMode target) {
		List<Queued> seen = asGrantedWhereGrantable(queue);
		if (mayConvert(seen, entry.ticket(), entry.granted(), target, Long.MAX_VALUE)) {
			return Outcome.GRANTED;
		}
		long order = 1 + seen.stream().filter(Queued::isConverting).mapToLong(Queued::conversionOrder).max().orElse(0);
		List<Queued> after = new ArrayList<>();
		for (Queued other : seen) {
			after.add((other.ticket() == entry.ticket()) ? Queued.converting(entry.ticket(), entry.granted(), target, order)
					: other);
		}
		return couldEverBeGranted(after, entry.ticket()) ? Outcome.WAITS : Outcome.DEADLOCK;
	}

	/**
	 * Lets every holder that is not converting release, and grants conversions while any
	 * may be granted; tells whether the given one is granted on the way.
	 */
	private static boolean couldEverBeGranted(List<Queued> queue, long ticket) {
		List<Queued> converting = new ArrayList<>(queue.stream().filter(Queued::isConverting).toList());
		converting.sort(Comparator.comparingLong(Queued::conversionOrder));
		boolean progress = true;
		while (progress) {
			progress = false;
			for (Queued candidate : List.copyOf(converting)) {
				if (mayConvert(converting, candidate.ticket(), candidate.granted(), candidate.requested(),
						candidate.conversionOrder())) {
					if (candidate.ticket() == ticket) {
						return true;
					}
					converting.remove(candidate); // granted, and then free to release
					progress = true;
				}
			}
		}
		return false;
	}

	/**
	 * Whether an entry holding {@code held} may convert to {@code target} among the given
	 * entries: at once when going down, otherwise when every other granted mode, and every
	 * conversion asked for earlier than {@code order}, agrees with the target.
	 */
	private static boolean mayConvert(List<Queued> queue, long ticket, LockMode held, LockMode target, long order) {
		if (held.covers(target)) {
			return true;
		}
		for (Queued other : queue) {
			if (other.ticket() == ticket || other.granted() == null) {
				continue; // new requests never hold a conversion back
			}
			if (!target.isCompatibleWith(other.granted())) {
				return false;
			}
			if (other.isConverting() && other.conversionOrder() < order && !target.isCompatibleWith(other.requested())) {
				return false;
			}
		}
		return true;
	}

	/** A waiting request that may be granted now counts as granted. */
	private static List<Queued> asGrantedWhereGrantable(List<Queued> queue) {
		List<Queued> seen = new ArrayList<>();
		for (Queued entry : queue) {
			seen.add((entry.isWaiting() && requestMayBeGranted(queue, entry))
					? Queued.granted(entry.ticket(), entry.requested()) : entry);
		}
		return seen;
	}

}
