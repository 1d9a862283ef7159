package dev.dlock.guide;

import dev.dlock.spi.AcquireRequest;
import dev.dlock.support.ChangeTrackingQueueEntry;

/** A toy queue entry: the request and its ticket, which also names the server's record. */
final class ToyEntry extends ChangeTrackingQueueEntry {

	ToyEntry(AcquireRequest request, long ticket) {
		super(request, ticket);
	}

}
