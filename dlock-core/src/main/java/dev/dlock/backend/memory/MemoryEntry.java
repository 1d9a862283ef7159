package dev.dlock.backend.memory;

import dev.dlock.LockMode;
import dev.dlock.spi.AcquireRequest;
import dev.dlock.spi.QueueState;
import dev.dlock.spi.Queued;
import dev.dlock.support.ChangeTrackingQueueEntry;
import org.jspecify.annotations.Nullable;

/**
 * An entry in a resource's queue. Its expiry is the server-side lease; its
 * {@linkplain #observedChanges() observed changes} are the change count of the resource
 * that the last enqueue or poll saw.
 */
final class MemoryEntry extends ChangeTrackingQueueEntry {

	private volatile long expiresAt;

	// the fields below change only inside the table's atomic step on the entry's resource

	private @Nullable LockMode granted;

	private @Nullable LockMode converting;

	private long conversionOrder;

	private boolean freshTokenOnGrant;

	/** The token the server drew for the current grant; 0 while it is the ticket. */
	private long token;

	MemoryEntry(AcquireRequest request, long ticket, long expiresAt) {
		super(request, ticket);
		this.expiresAt = expiresAt;
	}

	/** What the queue rules need to know of this entry. */
	Queued queued() {
		LockMode held = this.granted;
		if (held == null) {
			return Queued.waiting(ticket(), request().mode());
		}
		LockMode target = this.converting;
		return (target != null) ? Queued.converting(ticket(), held, target, this.conversionOrder)
				: Queued.granted(ticket(), held);
	}

	@Nullable LockMode granted() {
		return this.granted;
	}

	/**
	 * Records the grant of the entry's request or of its conversion.
	 * @return whether the grant must draw a new token
	 */
	boolean grant(LockMode mode) {
		boolean fresh = this.freshTokenOnGrant || this.granted != null;
		this.granted = mode;
		this.converting = null;
		this.freshTokenOnGrant = false;
		return fresh;
	}

	void token(long token) {
		this.token = token;
	}

	/** The state of the granted entry, with the token it was reported with before. */
	QueueState reported() {
		return (this.token == 0) ? QueueState.GRANTED : QueueState.granted(this.token);
	}

	@Nullable LockMode converting() {
		return this.converting;
	}

	void converting(@Nullable LockMode target, long order) {
		this.converting = target;
		this.conversionOrder = order;
	}

	/** Marks a waiting entry: a conversion was granted while it waited. */
	void drawFreshTokenOnGrant() {
		if (this.granted == null) {
			this.freshTokenOnGrant = true;
		}
	}

	long expiresAt() {
		return this.expiresAt;
	}

	void expiresAt(long expiresAt) {
		this.expiresAt = expiresAt;
	}

}
