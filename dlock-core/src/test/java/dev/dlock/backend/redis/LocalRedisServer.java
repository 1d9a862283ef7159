package dev.dlock.backend.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisURI;

import static org.awaitility.Awaitility.await;

/**
 * A redis-server process of the tests' own, on a free loopback port, without persistence,
 * that tests may kill, pause and restart. A stand-in until the shared test-server fixture
 * lands.
 */
final class LocalRedisServer implements AutoCloseable {

	private final Path dir;

	private final int port;

	private final List<String> extraArgs;

	private Process process;

	private LocalRedisServer(int port, List<String> extraArgs) throws IOException {
		this.dir = Files.createTempDirectory("dlock-redis-");
		this.port = port;
		this.extraArgs = extraArgs;
		this.process = launch();
	}

	static LocalRedisServer start() {
		return start(List.of());
	}

	static LocalRedisServer start(List<String> extraArgs) {
		try {
			return new LocalRedisServer(freePort(), extraArgs);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	RedisURI uri() {
		return RedisURI.create("redis://127.0.0.1:" + this.port);
	}

	int port() {
		return this.port;
	}

	/** SIGKILL: a crash that loses everything (no persistence). */
	void kill() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	void pause() {
		signal("STOP");
	}

	void resume() {
		signal("CONT");
	}

	/** Kills the server and starts an empty one on the same port. */
	void restart() {
		kill();
		try {
			this.process = launch();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		resume();
		kill();
	}

	private Process launch() throws IOException {
		List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(this.port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir.toString()));
		command.addAll(this.extraArgs);
		Process started = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("redis.log").toFile())
			.start();
		await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				return true;
			}
		});
		return started;
	}

	private void signal(String signal) {
		try {
			new ProcessBuilder("kill", "-" + signal, Long.toString(this.process.pid())).start().waitFor(5, TimeUnit.SECONDS);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

}
