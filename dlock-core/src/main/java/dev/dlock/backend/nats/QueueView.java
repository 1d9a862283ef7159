package dev.dlock.backend.nats;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.dlock.LockMode;
import dev.dlock.support.QueueRules;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.Queued;
import org.jspecify.annotations.Nullable;

/**
 * The live entries of one resource as a decision saw them (the watcher's copy, complete as
 * of the deciding entry's write, or the stream leader's), and the grant rules of
 * DESIGN.md §3 and §12 on them ({@link QueueRules}).
 * <p>
 * An entry with no explicit grant is a request: granted by the rule, without a write, when
 * it is not flagged; by a revision-checked write of its own when it is. Whether such a
 * request is granted is therefore not stored, and a conversion asked for later must not
 * take priority over a request that some decision may already have granted. The rule
 * {@link #possiblyGranted} answers that question from any later copy: a request counts as
 * granted when nothing blocks it but conversions asked for after it. Every blocker it
 * counts (an explicit grant, an earlier request, a conversion asked for before the
 * request) has been in place since the request was made, unless a conversion that asked
 * after the request resolved it first; so a request it finds blocked was blocked in every
 * copy up to the conversion's write, and one it finds free may have been granted.
 */
final class QueueView {

	private final List<StoredEntry> entries;

	private final long removedUpTo;

	private final Duration maxAge;

	private final boolean copy;

	private final long exactAsOf;

	/**
	 * @param entries the live entries
	 * @param removedUpTo the stream sequence up to which entries may have left the resource
	 * (a delete marker, a confirmed expiry) without being among {@code entries}
	 * @param maxAge the bucket's max age
	 * @param copy whether this is the watcher's copy
	 * @param exactAsOf the stream sequence this copy shows the resource exactly as of (every
	 * message up to it applied, none after it), or {@code -1}
	 */
	QueueView(List<StoredEntry> entries, long removedUpTo, Duration maxAge, boolean copy, long exactAsOf) {
		this.entries = entries;
		this.removedUpTo = removedUpTo;
		this.maxAge = maxAge;
		this.copy = copy;
		this.exactAsOf = exactAsOf;
	}

	/** Whether this is the watcher's copy (not the stream leader's answer). */
	boolean isCopy() {
		return this.copy;
	}

	/**
	 * This view with the deciding entry's own last write, which the watcher may not have
	 * delivered yet: still exact when that write is the message right after the view (or
	 * already in it), with the entry as its owner knows it.
	 */
	QueueView withOwnWrite(AcquireRequest request, EntryValue value, long revision) {
		if (this.exactAsOf < 0 || revision <= this.exactAsOf) {
			return this;
		}
		List<StoredEntry> withOwn = new ArrayList<>(this.entries.size() + 1);
		Instant written = null;
		for (StoredEntry entry : this.entries) {
			if (!entry.isOwnedBy(request)) {
				withOwn.add(entry);
			}
			else {
				written = entry.written();
			}
		}
		// the server's time of the new write is not known yet: the previous one's is earlier
		StoredEntry own = new StoredEntry(request.ownerId(), value, revision,
				(written != null) ? written : Instant.EPOCH);
		withOwn.add(own);
		long exact = (revision == this.exactAsOf + 1) ? revision : -1;
		return new QueueView(withOwn, this.removedUpTo, this.maxAge, this.copy, exact);
	}

	/**
	 * Whether this view is exact as of some stream sequence: every message up to it, none
	 * after it.
	 */
	boolean isExact() {
		return this.exactAsOf >= 0;
	}

	/**
	 * Whether a write acknowledged with {@code revision} followed this view with nothing
	 * written to the stream in between: then this view and that write are the whole queue
	 * as of the write, and a decision needs no copy complete as of it.
	 */
	boolean isFollowedDirectlyBy(long revision) {
		return this.exactAsOf >= 0 && revision == this.exactAsOf + 1;
	}

	/** The request's entry, if the view has it. */
	@Nullable StoredEntry find(AcquireRequest request) {
		for (StoredEntry entry : this.entries) {
			if (entry.isOwnedBy(request)) {
				return entry;
			}
		}
		return null;
	}

	/** Whether the request's entry is the only one of the resource. */
	boolean isAlone(AcquireRequest request) {
		return this.entries.size() == 1 && this.entries.get(0).isOwnedBy(request);
	}

	/**
	 * What keeps an entry, seen as a request, from being granted; {@code null} when it may
	 * be granted.
	 * @param request the entry
	 * @param conversionsUpTo pending conversions ordered after this count only with their
	 * granted mode: they were asked for after the decision this answers
	 * @param counted the other entries that count
	 */
	@Nullable StoredEntry requestBlocker(StoredEntry request, long conversionsUpTo, Predicate<StoredEntry> counted) {
		Map<Long, StoredEntry> byTicket = new HashMap<>();
		List<Queued> queue = new ArrayList<>(this.entries.size());
		Queued asking = Queued.waiting(request.ticket(), request.mode());
		queue.add(asking);
		for (StoredEntry other : this.entries) {
			if (other.hasSameOwner(request) || !counted.test(other)) {
				continue;
			}
			EntryValue value = other.value();
			LockMode requested = (value.requested() != null && value.order() <= conversionsUpTo) ? value.requested()
					: null;
			queue.add((value.granted() != null) ? new Queued(other.ticket(), value.granted(), requested, value.order())
					: Queued.waiting(other.ticket(), other.mode()));
			byTicket.put(other.ticket(), other);
		}
		Queued blocker = QueueRules.blockerOfRequest(queue, asking);
		return (blocker != null) ? byTicket.get(blocker.ticket()) : null;
	}

	/** The request rule for a request's own decision: everything counts. */
	@Nullable StoredEntry requestBlocker(StoredEntry request) {
		return requestBlocker(request, Long.MAX_VALUE, (other) -> true);
	}

	/**
	 * Whether a token larger than {@code token} may have been drawn on the resource by
	 * another entry whose grant no longer shows here as it was: an entry left after that
	 * sequence, or another entry holds a grant written after it (a conversion, up or down, or
	 * a claim). A flagged request's claim with {@code token} is checked on a view later than
	 * its write: a conversion asked for before the claim may have been granted and given up
	 * in between, with a larger token, so the claim must draw its token again.
	 */
	boolean mayHideTokenAfter(StoredEntry self, long token) {
		return this.removedUpTo > token || hasGrantAfter(self, token);
	}

	/**
	 * Whether another entry holds a grant written after {@code token} (a conversion, up or
	 * down, or a claim). A request with that ticket that is free now must not be granted
	 * with it: the grant may have let it in (a down-conversion whose flags were computed on
	 * a copy that did not have the request yet), and a token smaller than the grant's would
	 * reach the resource after the grant's.
	 */
	boolean hasGrantAfter(StoredEntry self, long token) {
		for (StoredEntry other : this.entries) {
			if (!other.hasSameOwner(self) && !other.value().isImplicit() && other.value().token() > token) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether an unflagged request with no explicit grant may have been granted by the rule
	 * in some copy: nothing but conversions asked for after it blocks it.
	 */
	boolean possiblyGranted(StoredEntry request) {
		return requestBlocker(request, request.ticket(), (other) -> true) == null;
	}

	/**
	 * The entries that {@code live} keeps, as the grant rules see them, for a holder's
	 * blocking notifications: an explicit grant with its pending conversion (target and
	 * order as stored, so the same conversion reads the same every time), and a request
	 * with no explicit grant as granted in its mode when some decision may have granted it
	 * ({@link #possiblyGranted}, among the entries kept), otherwise as waiting. A try never
	 * waits: its conversion shows as the grant it keeps, and its request only once it may
	 * be granted.
	 */
	List<Queued> queued(Predicate<StoredEntry> live) {
		List<StoredEntry> kept = this.entries.stream().filter(live).toList();
		QueueView alive = new QueueView(kept, this.removedUpTo, this.maxAge, this.copy, -1);
		List<Queued> queue = new ArrayList<>(kept.size());
		for (StoredEntry entry : kept) {
			EntryValue value = entry.value();
			if (value.granted() != null) {
				queue.add(entry.tried() ? Queued.granted(entry.ticket(), value.granted()) : entry.queued());
			}
			else if (alive.possiblyGranted(entry)) {
				queue.add(Queued.granted(entry.ticket(), entry.mode()));
			}
			else if (!entry.tried()) {
				queue.add(entry.queued());
			}
		}
		return queue;
	}

	/**
	 * Decides a conversion of {@code self} from {@code held} to {@code target}, asked for
	 * by the message with revision {@code order}.
	 */
	ConversionCheck checkConversion(StoredEntry self, LockMode held, LockMode target, long order) {
		Map<Long, StoredEntry> byTicket = new HashMap<>();
		List<Queued> queue = new ArrayList<>(this.entries.size());
		List<Queued> earlierConversions = new ArrayList<>(this.entries.size());
		List<StoredEntry> toFlag = new ArrayList<>();
		List<StoredEntry> toGrant = new ArrayList<>();
		StoredEntry doubtful = null;
		// the conversion's own message is at least as old as the copy's message of self
		Instant asked = self.written();
		for (StoredEntry other : this.entries) {
			if (other.hasSameOwner(self)) {
				continue;
			}
			EntryValue value = other.value();
			Queued queued;
			if (value.granted() != null) {
				queued = new Queued(other.ticket(), value.granted(), value.requested(), value.order());
			}
			else if (value.flagged()) {
				queued = Queued.waiting(other.ticket(), other.mode());
			}
			else {
				boolean resolves = other.ticket() < order && !other.mode().isCompatibleWith(target);
				if (possiblyGranted(other)) {
					queued = Queued.granted(other.ticket(), other.mode());
					if (resolves) {
						toGrant.add(other);
					}
				}
				else {
					queued = Queued.waiting(other.ticket(), other.mode());
					if (!other.mode().isCompatibleWith(held)) {
						// blocked by this entry's mode until the conversion's grant, which may
						// unblock it: flagged before, it is granted with a token after the grant's
						toFlag.add(other);
					}
					else if (resolves) {
						StoredEntry blocker = requestBlocker(other, other.ticket(), (y) -> isAliveAt(y, order, asked));
						if (blocker == null) {
							// blocked only by entries that may have expired before the conversion
							doubtful = requestBlocker(other, other.ticket(), (y) -> true);
						}
						else {
							toFlag.add(other);
						}
					}
				}
			}
			queue.add(queued);
			earlierConversions.add((queued.isConverting() && queued.conversionOrder() > order)
					? Queued.granted(queued.ticket(), queued.granted()) : queued);
			byTicket.put(other.ticket(), other);
		}
		Queued converting = Queued.converting(self.ticket(), held, target, order);
		queue.add(converting);
		Queued blocker = QueueRules.blockerOfConversion(queue, converting, target);
		boolean cycle = false;
		if (blocker != null) {
			Queued asHeld = Queued.granted(self.ticket(), held);
			earlierConversions.add(asHeld);
			cycle = QueueRules.closesCycle(earlierConversions, asHeld, target);
		}
		return new ConversionCheck((blocker != null) ? byTicket.get(blocker.ticket()) : null, cycle, toFlag, toGrant,
				doubtful);
	}

	/**
	 * The unflagged requests with no explicit grant and a ticket below {@code token} whose
	 * mode conflicts with {@code held}, the granted mode of {@code self}: they wait for it,
	 * so they can be flagged to draw a new token when they are granted, before a grant with
	 * that token (or, with no bound, before {@code self} gives up {@code held}). Fails if
	 * one of them may have been granted already, which the rules exclude.
	 */
	List<StoredEntry> toFlagAfterGrant(StoredEntry self, LockMode held, long token) {
		List<StoredEntry> toFlag = new ArrayList<>();
		for (StoredEntry other : this.entries) {
			EntryValue value = other.value();
			if (other.hasSameOwner(self) || !value.isImplicit() || value.flagged()
					|| other.ticket() >= token || other.mode().isCompatibleWith(held)) {
				continue;
			}
			if (possiblyGranted(other)) {
				throw new IllegalStateException("A request that conflicts with a granted conversion may be granted");
			}
			toFlag.add(other);
		}
		return toFlag;
	}

	/**
	 * Whether an entry certainly lived on the server when the message with revision
	 * {@code revision}, stored at or before {@code stamp}, was written: a request whose
	 * blocker may have expired before may have been granted by a decision that confirmed
	 * the expiry with the stream leader.
	 */
	private boolean isAliveAt(StoredEntry entry, long revision, Instant stamp) {
		return entry.revision() > revision || entry.written().plus(this.maxAge).isAfter(stamp);
	}

	/**
	 * What a conversion decision found.
	 *
	 * @param blocker an entry that keeps the conversion from being granted, or {@code null}
	 * @param cycle whether waiting would close a cycle of conversions (a deadlock)
	 * @param toFlag requests the conversion resolves as waiting, and requests the held mode
	 * blocks: they must be flagged before it may be granted
	 * @param toGrant requests the conversion resolves as granted (a decision may have
	 * granted them already): their grant is written down, and they block the conversion
	 * @param doubtful an entry that blocks a request to resolve but may have expired
	 * silently: the stream leader must confirm it first
	 */
	record ConversionCheck(@Nullable StoredEntry blocker, boolean cycle, List<StoredEntry> toFlag,
			List<StoredEntry> toGrant, @Nullable StoredEntry doubtful) {

		boolean grantable() {
			return this.blocker == null && this.toGrant.isEmpty() && this.doubtful == null;
		}

	}

}
