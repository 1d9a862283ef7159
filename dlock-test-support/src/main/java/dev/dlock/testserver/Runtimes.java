package dev.dlock.testserver;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * Chooses how a server runs: the local binary if there is one, else a Docker container (single servers only)
 * if Docker is reachable, else an exception that says what to install. Never skips.
 */
final class Runtimes {

	/** Searched after {@code PATH}: some shells (and CI) lack the sbin folders, where nats-server lives. */
	private static final List<String> EXTRA_DIRECTORIES = List.of("/usr/sbin", "/usr/local/sbin", "/usr/local/bin",
			"/usr/bin", "/sbin", "/bin");

	private Runtimes() {
	}

	/**
	 * @param binary the executable, for example {@code redis-server}
	 * @param aptPackage the Debian package that provides it
	 * @param arguments the local command's arguments
	 * @param directory the server's working folder
	 * @param container the container fallback, or {@code null} where there is none (clusters)
	 */
	static ServerRuntime create(String binary, String aptPackage, List<String> arguments, Path directory,
			@Nullable Supplier<DockerContainer> container) {
		return create(find(binary), binary, aptPackage, arguments, directory, container);
	}

	/**
	 * As {@link #create(String, String, List, Path, Supplier)}, with the executable already chosen (or
	 * {@code null} when there is none).
	 */
	static ServerRuntime create(Optional<Path> executable, String binary, String aptPackage, List<String> arguments,
			Path directory, @Nullable Supplier<DockerContainer> container) {
		if (executable.isPresent()) {
			return new LocalProcess(executable.get(), arguments, directory);
		}
		if (container != null && dockerConfigured()) {
			return container.get();
		}
		throw new IllegalStateException(binary + " was not found on PATH nor in " + EXTRA_DIRECTORIES
				+ ((container != null) ? ", and Docker is not available for the container fallback"
						+ " (no /var/run/docker.sock, no DOCKER_HOST)" : " (clusters need the local binary)")
				+ ". Install it: apt-get install -y " + aptPackage);
	}

	/** Whether a server will run as a local process (and so on 127.0.0.1, with the given ports). */
	static boolean isLocal(String binary) {
		return find(binary).isPresent();
	}

	static Optional<Path> find(String binary) {
		List<String> directories = new ArrayList<>();
		String path = System.getenv("PATH");
		if (path != null) {
			directories.addAll(List.of(path.split(File.pathSeparator)));
		}
		directories.addAll(EXTRA_DIRECTORIES);
		for (String directory : directories) {
			if (directory.isEmpty()) {
				continue;
			}
			Path candidate = Path.of(directory, binary);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return Optional.of(candidate);
			}
		}
		return Optional.empty();
	}

	/** A cheap check that does not load Testcontainers (which takes a second to fail without Docker). */
	private static boolean dockerConfigured() {
		boolean configured = Files.exists(Path.of("/var/run/docker.sock")) || System.getenv("DOCKER_HOST") != null;
		if (!configured) {
			return false;
		}
		try {
			Class.forName("org.testcontainers.DockerClientFactory", false, Runtimes.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException ex) {
			return false;
		}
	}

}
