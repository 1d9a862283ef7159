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
		}, null), true, lease);
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

	/**
	 * A new lock manager over a backend of its own (the shared one in memory), for the
	 * cases that use dlock's own API.
	 * @return the manager; closing the client closes it and its backend
	 */
	Client connectManager() {
		OwnBackend own = this.backends.get();
		LockManager manager = LockManagerBuilder.forBackend(own.backend()).leaseTime(this.lease).build();
		return new Client(manager, own.floor(), () -> {
			manager.close();
			if (!this.shared) {
				own.backend().close();
				own.connection().close();
			}
		});
	}

	@Override
	public LockClient connect() {
		Client client = connectManager();
		LockManager manager = client.manager();
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
					return new Held() {

						@Override
						public void unlock() {
							handle.release();
						}

						@Override
						public boolean valid() {
							return handle.isValid();
						}

					};
				}
				catch (LockAcquisitionTimeoutException ex) {
					return null;
				}
			}

			@Override
			public void close() throws Exception {
				client.close();
			}

		};
	}

	/**
	 * A lock manager of one client, and what closes it with its backend and connection.
	 *
	 * @param manager the lock manager
	 * @param floor opens the raw operation a conversion needs on the backend's client
	 * library instance, or {@code null} for a backend with no server
	 * @param closer closes the manager, then the backend and connection it owns
	 */
	record Client(LockManager manager, ConversionFloor.@Nullable Opener floor,
			AutoCloseable closer) implements AutoCloseable {

		@Override
		public void close() throws Exception {
			this.closer.close();
		}

	}

	/**
	 * A backend and the client connection it was built on, which the backend never closes.
	 *
	 * @param backend the backend
	 * @param connection closes the client connection
	 * @param floor opens the raw operation a conversion needs on the same client library
	 * instance, or {@code null} for a backend with no server
	 */
	record OwnBackend(LockBackend backend, AutoCloseable connection, ConversionFloor.@Nullable Opener floor) {

	}

}
