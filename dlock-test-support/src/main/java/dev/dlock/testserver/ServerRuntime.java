package dev.dlock.testserver;

import java.io.IOException;

/**
 * How a test server runs: a local child process or a Docker container. Every method is called with the owning
 * {@link TestServer}'s lock held.
 */
interface ServerRuntime {

	/**
	 * Starts (or starts again, with the same ports and data) the server; returns without waiting for readiness.
	 */
	void start() throws IOException;

	/** Kills the server at once (SIGKILL) and waits for it to be gone. */
	void kill();

	/** Freezes the server (SIGSTOP): its sockets stay open but it answers nothing. */
	void pause();

	/** Unfreezes a paused server (SIGCONT). */
	void resume();

	boolean isAlive();

	/** Short description for error messages, for example {@code pid 1234, exit code 1}. */
	String describe();

	/** The last lines of the server's own log. */
	String logTail(int lines);

	/** Kills the server and frees what it holds (a container); idempotent. */
	void destroy();

}
