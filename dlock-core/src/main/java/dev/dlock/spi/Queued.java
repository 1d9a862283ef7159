package dev.dlock.spi;

import dev.dlock.LockMode;
import org.jspecify.annotations.Nullable;

/**
 * What the grant rules ({@link dev.dlock.support.QueueRules}) need to know of one entry
 * of a resource's queue; also what {@link LockSession#queue} reads.
 *
 * @param ticket the entry's queue position, unique on the resource
 * @param granted the granted mode, or {@code null} while the entry waits as a new
 * request
 * @param requested the mode of a waiting new request, or the target of a pending
 * conversion; {@code null} for a granted entry with no conversion pending
 * @param conversionOrder for a pending conversion: its place in the conversion queue
 * (smaller is earlier); ignored otherwise
 * @since 0.1.0
 */
public record Queued(long ticket, @Nullable LockMode granted, @Nullable LockMode requested, long conversionOrder) {

	/**
	 * Checks that the entry is granted, waiting or converting.
	 * @param ticket the entry's queue position
	 * @param granted the granted mode, or {@code null} while the entry waits
	 * @param requested the mode asked for, or {@code null} when nothing is pending
	 * @param conversionOrder a pending conversion's place in the conversion queue
	 */
	public Queued {
		if (granted == null && requested == null) {
			throw new IllegalArgumentException("an entry is granted, waiting or converting");
		}
	}

	/**
	 * A granted entry with no conversion pending.
	 * @param ticket the ticket
	 * @param mode the granted mode
	 * @return the entry
	 */
	public static Queued granted(long ticket, LockMode mode) {
		return new Queued(ticket, mode, null, 0);
	}

	/**
	 * A new request that waits.
	 * @param ticket the ticket
	 * @param mode the requested mode
	 * @return the entry
	 */
	public static Queued waiting(long ticket, LockMode mode) {
		return new Queued(ticket, null, mode, 0);
	}

	/**
	 * A granted entry with a pending conversion.
	 * @param ticket the ticket
	 * @param granted the granted mode
	 * @param target the mode it converts to
	 * @param conversionOrder its place in the conversion queue
	 * @return the entry
	 */
	public static Queued converting(long ticket, LockMode granted, LockMode target, long conversionOrder) {
		return new Queued(ticket, granted, target, conversionOrder);
	}

	/**
	 * Whether the entry waits as a new request.
	 * @return whether it waits
	 */
	public boolean isWaiting() {
		return this.granted == null;
	}

	/**
	 * Whether the entry is granted and converting.
	 * @return whether it converts
	 */
	public boolean isConverting() {
		return this.granted != null && this.requested != null;
	}

}
