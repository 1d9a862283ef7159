package dev.dlock.testserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * A real server process for integration tests, on a free loopback port in its own temporary folder: the common
 * base of {@link RedisServer}, {@link EtcdServer} and {@link NatsServer}.
 * <p>
 * A server from {@code shared()} is started once per JVM and must not be disturbed: {@link #kill()},
 * {@link #pause()}, {@link #resume()} and {@link #restart()} throw on it, and {@link #close()} does nothing. A
 * test that disturbs a server starts its own with {@code start()} and closes it. Every server still running is
 * killed (by its PID, SIGKILL) and its folder deleted when the JVM exits. All methods are thread-safe.
 *
 * @since 0.1.0
 */
public abstract class TestServer implements AutoCloseable {

	/** How long a start or restart may take before it fails with the server's log tail. */
	static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

	/** The connect and read timeout of one readiness check. */
	static final Duration PING_TIMEOUT = Duration.ofSeconds(1);

	private static final int LOG_LINES = 40;

	private static final int START_ATTEMPTS = 3;

	private static final Set<TestServer> LIVE = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(TestServer::destroy), "dlock-testserver-cleanup"));
	}

	private final String name;

	private final ServerRuntime runtime;

	private final Path directory;

	private final String host;

	private final int port;

	private boolean shared;

	private boolean paused;

	private boolean closed;

	TestServer(String name, ServerRuntime runtime, Path directory, int port) {
		this.name = name;
		this.runtime = runtime;
		this.directory = directory;
		this.host = (runtime instanceof DockerContainer) ? DockerContainer.dockerHost() : "127.0.0.1";
		this.port = port;
	}

	/**
	 * The address to connect to: {@code 127.0.0.1} (or the Docker host for the container fallback).
	 * @return the host
	 */
	public String host() {
		return this.host;
	}

	/**
	 * The client port; it stays the same across {@link #restart()}.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * The server's temporary folder (data and {@code server.log}); kept across {@link #restart()}, deleted by
	 * {@link #close()}.
	 * @return the folder
	 */
	public Path directory() {
		return this.directory;
	}

	/**
	 * Whether the server process is alive (a paused server is alive).
	 * @return {@code true} while the process runs
	 */
	public synchronized boolean isRunning() {
		return this.runtime.isAlive();
	}

	/**
	 * Whether the server is paused by {@link #pause()}.
	 * @return {@code true} between {@link #pause()} and {@link #resume()} (or a kill)
	 */
	public synchronized boolean isPaused() {
		return this.paused;
	}

	/**
	 * Kills the server at once (SIGKILL, no shutdown), and waits until it is gone. Its port and folder are kept
	 * for {@link #restart()}. Does nothing if it is not running.
	 * @throws UnsupportedOperationException on a shared server
	 */
	public synchronized void kill() {
		requireOwned("kill");
		this.runtime.kill();
		this.paused = false;
	}

	/**
	 * Freezes the server (SIGSTOP): connections stay open but nothing is answered, so clients time out. Does
	 * nothing if it is already paused.
	 * @throws UnsupportedOperationException on a shared server
	 * @throws IllegalStateException if the server is not running
	 */
	public synchronized void pause() {
		requireOwned("pause");
		if (!this.paused) {
			this.runtime.pause();
			this.paused = true;
		}
	}

	/**
	 * Unfreezes a paused server (SIGCONT). Does nothing if it is not paused.
	 * @throws UnsupportedOperationException on a shared server
	 */
	public synchronized void resume() {
		requireOwned("resume");
		if (this.paused) {
			this.runtime.resume();
			this.paused = false;
		}
	}

	/**
	 * Starts the server again on the same port with the same data folder, killing it first if it still runs, and
	 * waits until it answers. An etcd or NATS cluster member answers only once it has rejoined its cluster; after
	 * restarting a Redis cluster node, call {@link RedisCluster#awaitHealthy()}.
	 * @throws UnsupportedOperationException on a shared server
	 * @throws IllegalStateException if it does not become ready within 30 s (the message has the log tail)
	 */
	public synchronized void restart() {
		requireOwned("restart");
		if (this.closed) {
			throw new IllegalStateException(this + " is closed");
		}
		this.runtime.kill();
		this.paused = false;
		launch();
		awaitReady();
	}

	/**
	 * The last lines of the server's log, for diagnostics.
	 * @return the log tail
	 */
	public String logTail() {
		return this.runtime.logTail(LOG_LINES);
	}

	/**
	 * Kills the server and deletes its folder; idempotent. Does nothing on a shared server (the JVM's exit
	 * cleans it up).
	 */
	@Override
	public synchronized void close() {
		if (!this.shared) {
			destroy();
		}
	}

	@Override
	public String toString() {
		return this.name + " " + this.host + ":" + this.port + " (" + this.runtime.describe() + ")";
	}

	/** Throws unless the server answers a real protocol request. */
	abstract void ping() throws Exception;

	/** Marks a server from {@code shared()}. */
	final synchronized void markShared() {
		this.shared = true;
	}

	/** Starts the process without waiting for readiness (cluster members start together). */
	final synchronized void launch() {
		LIVE.add(this);
		try {
			this.runtime.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start " + this, ex);
		}
	}

	/** Waits until {@link #ping()} passes; fails at once if the process exits. */
	final void awaitReady() {
		Poll.until(this + " did not become ready", STARTUP_TIMEOUT, () -> {
			if (!this.runtime.isAlive()) {
				throw new Exited(this + " exited during startup" + diagnostics());
			}
			ping();
		}, this::diagnostics);
	}

	final String diagnostics() {
		return System.lineSeparator() + "---- last lines of the log in " + this.directory + " ----"
				+ System.lineSeparator() + logTail();
	}

	final synchronized void destroy() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		try {
			this.runtime.destroy();
		}
		finally {
			LIVE.remove(this);
			deleteRecursively(this.directory);
		}
	}

	private void requireOwned(String action) {
		if (this.shared) {
			throw new UnsupportedOperationException("Cannot " + action + " the shared " + this.name
					+ ": other tests use it. Use " + getClass().getSimpleName() + ".start() for a private server.");
		}
	}

	/**
	 * Creates a server with {@code factory} and starts it; if the process exits during startup (another process
	 * took a port in between), tries again with fresh ports, up to three times.
	 */
	static <T extends TestServer> T startWithRetries(Supplier<T> factory) {
		for (int attempt = 1;; attempt++) {
			T server = factory.get();
			try {
				server.launch();
				server.awaitReady();
				return server;
			}
			catch (Exited ex) {
				server.destroy();
				if (attempt == START_ATTEMPTS) {
					throw ex;
				}
			}
			catch (RuntimeException | Error ex) {
				server.destroy();
				throw ex;
			}
		}
	}

	/** A new temporary folder for one server. */
	static Path newDirectory(String kind) {
		try {
			return Files.createTempDirectory("dlock-" + kind + "-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create a temporary folder", ex);
		}
	}

	static String lastLines(String text, int lines) {
		List<String> all = text.lines().toList();
		return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
	}

	private static void deleteRecursively(Path directory) {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException | UncheckedIOException ex) {
			// best effort: a leftover temporary folder is harmless
		}
	}

	/** The process died while starting. */
	static final class Exited extends Poll.Fatal {

		private static final long serialVersionUID = 1L;

		Exited(String message) {
			super(message);
		}

	}

	/**
	 * Starts one server on first use and hands out the same one afterwards; remembers a failure so that every
	 * test that needs the server reports the same cause.
	 */
	static final class Shared<T extends TestServer> {

		private final Supplier<T> starter;

		private @Nullable T server;

		private @Nullable RuntimeException failure;

		Shared(Supplier<T> starter) {
			this.starter = starter;
		}

		synchronized T get() {
			if (this.server != null) {
				return this.server;
			}
			if (this.failure != null) {
				throw new IllegalStateException("The shared server failed to start earlier: " + this.failure.getMessage(),
						this.failure);
			}
			try {
				T started = this.starter.get();
				started.markShared();
				this.server = started;
				return started;
			}
			catch (RuntimeException ex) {
				this.failure = ex;
				throw ex;
			}
		}

	}

}
