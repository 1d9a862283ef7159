package dev.dlock.guide;

import java.time.Duration;

import dev.dlock.spi.LockBackend;
import dev.dlock.tck.LockBackendConformanceKit;

/**
 * The conformance kit against the toy backend, as the README's guide writes it (the lines
 * between the tags are the README's).
 */
// tag::example[]
class ToyLockBackendConformanceTests extends LockBackendConformanceKit {

	private final ToyServer server = new ToyServer();

	@Override
	protected LockBackend createBackend() {
		// a new client on every call: each manager of a test stands for another process
		return new ToyLockBackend(this.server);
	}

	@Override
	protected Duration leaseTime() {
		return Duration.ofSeconds(1);
	}

}
// end::example[]
