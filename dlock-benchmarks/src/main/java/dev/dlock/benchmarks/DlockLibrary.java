package dev.dlock.benchmarks;

import java.time.Duration;
import java.util.function.Supplier;

import dev.dlock.LockAcquisitionTimeoutException;
import dev.dlock.LockHandle;
import dev.dlock.LockManager;
import dev.dlock.LockMode;
import dev.dlock.engine.LockManagerBuilder;
import dev.dlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * dlock on one backend: each client is a {@link LockManager} over a backend of its own
 * (its own connections), except in memory, where every client shares one backend.
 */
final class DlockLibrary implements LockLibrary {

	private final String server;

	private final Supplier<OwnBackend> backends;

	private final boolean shared;

	private final Duration lease;

	private DlockLibrary(String server, Supplier<OwnBackend> backends, boolean shared, Duration lease) {
		this.server = server;
		this.backends = backends;
		this.shared = shared;
		this.lease = lease;
	}

	/**
	 * dlock on a networked backend.
	 * @param server the server name
	 * @param backends makes a new backend with its own connections
	 * @param lease the lease time
	 */
	static DlockLibrary of(String server, Supplier<OwnBackend> backends, Duration lease) {
		return new DlockLibrary(server, backends, false, lease);
	}

	/** dlock on one in-memory backend that every client shares. */
	static DlockLibrary shared(String server, LockBackend backend, Duration lease) {
		return new DlockLibrary(server, () -> new OwnBackend(backend, () -> {
		}), true, lease);
	}

	@Override
	public String server() {
		return this.server;
	}

	@Override
	public String name() {
		return Figure.DLOCK;
	}

	@Override
	public boolean hasModes() {
		return true;
	}

	@Override
	public LockClient connect() {
		OwnBackend own = this.backends.get();
		LockBackend backend = own.backend();
		LockManager manager = LockManagerBuilder.forBackend(backend).leaseTime(this.lease).build();
		return new LockClient() {

			@Override
			public @Nullable Held lock(String key, Kind kind, Duration wait) throws InterruptedException {
				LockMode mode = switch (kind) {
					case EXCLUSIVE -> LockMode.EX;
					case READ -> LockMode.PR;
					case WRITE -> LockMode.PW;
				};
				try {
					LockHandle handle = manager.acquire(key, mode, wait);
					return handle::release;
				}
				catch (LockAcquisitionTimeoutException ex) {
					return null;
				}
			}

			@Override
			public void close() throws Exception {
				manager.close();
				if (!DlockLibrary.this.shared) {
					backend.close();
					own.connection().close();
				}
			}

		};
	}

	/**
	 * A backend and the client connection it was built on, which the backend never closes.
	 *
	 * @param backend the backend
	 * @param connection closes the client connection
	 */
	record OwnBackend(LockBackend backend, AutoCloseable connection) {

	}

}
