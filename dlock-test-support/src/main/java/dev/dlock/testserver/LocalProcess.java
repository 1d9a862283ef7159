package dev.dlock.testserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * A server run as a child process of this JVM. Signals go to the child's PID only ({@code kill -STOP/-CONT <pid>};
 * kill is {@link Process#destroyForcibly()}, which is SIGKILL on Linux).
 */
final class LocalProcess implements ServerRuntime {

	private final List<String> command;

	private final Path workDir;

	private final Path logFile;

	private @Nullable Process process;

	LocalProcess(Path binary, List<String> arguments, Path workDir) {
		this.command = new ArrayList<>();
		this.command.add(binary.toString());
		this.command.addAll(arguments);
		this.workDir = workDir;
		this.logFile = workDir.resolve("server.log");
	}

	@Override
	public void start() throws IOException {
		if (this.process != null && this.process.isAlive()) {
			throw new IllegalStateException("Already running: " + describe());
		}
		Files.writeString(this.logFile, "---- " + String.join(" ", this.command) + System.lineSeparator(),
				StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
				java.nio.file.StandardOpenOption.APPEND);
		this.process = new ProcessBuilder(this.command).directory(this.workDir.toFile())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(this.logFile.toFile()))
			.redirectInput(ProcessBuilder.Redirect.PIPE)
			.start();
		this.process.getOutputStream().close();
	}

	@Override
	public void kill() {
		Process current = this.process;
		if (current == null) {
			return;
		}
		current.destroyForcibly();
		try {
			if (!current.waitFor(10, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Process did not die within 10 s of SIGKILL: " + describe());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while killing " + describe(), ex);
		}
	}

	@Override
	public void pause() {
		signal("STOP");
	}

	@Override
	public void resume() {
		signal("CONT");
	}

	private void signal(String signal) {
		Process current = this.process;
		if (current == null || !current.isAlive()) {
			throw new IllegalStateException("Cannot send SIG" + signal + ", not running: " + describe());
		}
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(current.pid()))
				.redirectErrorStream(true)
				.start();
			String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("kill -" + signal + " " + current.pid() + " failed: " + output);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run kill -" + signal + " " + current.pid(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while sending SIG" + signal, ex);
		}
	}

	@Override
	public boolean isAlive() {
		Process current = this.process;
		return current != null && current.isAlive();
	}

	@Override
	public String describe() {
		Process current = this.process;
		if (current == null) {
			return "not started (" + this.command.get(0) + ")";
		}
		return "pid " + current.pid() + (current.isAlive() ? "" : ", exit code " + current.exitValue());
	}

	@Override
	public String logTail(int lines) {
		try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(this.logFile)) {
			// the tail is enough, and a chatty server's log can be large
			long start = Math.max(0, channel.size() - 64 * 1024);
			java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) (channel.size() - start));
			channel.position(start);
			while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
				// read fully
			}
			return TestServer.lastLines(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8), lines);
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	@Override
	public void destroy() {
		kill();
	}

}
