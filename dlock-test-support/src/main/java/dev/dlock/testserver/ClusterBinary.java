package dev.dlock.testserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.nats.client.support.ServerVersion;

/**
 * The {@code nats-server} that NATS cluster members run. A replicated bucket needs nats-server 2.9.21 or later,
 * the first to serialise revision-checked writes in a replicated stream (nats-server issue #4320); Debian 12
 * ships 2.9.10, which single servers keep using. In order: the executable named by
 * {@value #VARIABLE}, the one {@code .ci/nats-server-for-clusters} fetched into {@link #cacheFolder()}, or
 * {@code nats-server} on {@code PATH}; one older than 2.9.21 is refused with a message that says what to do.
 */
final class ClusterBinary {

	/** The environment variable that names the executable cluster members run. */
	static final String VARIABLE = "DLOCK_NATS_CLUSTER_SERVER";

	static final String MINIMUM = "2.9.21";

	private static final Pattern VERSION = Pattern.compile("v(\\d+\\.\\d+\\.\\d+\\S*)");

	/** Executables found recent enough: the check runs a process, once per executable and JVM. */
	private static final Set<Path> CHECKED = ConcurrentHashMap.newKeySet();

	private ClusterBinary() {
	}

	/** The executable, or empty when there is none (then starting a member fails and says what to install). */
	static Optional<Path> find() {
		String named = System.getenv(VARIABLE);
		Optional<Path> executable;
		if (named != null && !named.isBlank()) {
			Path path = Path.of(named);
			if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
				throw new IllegalStateException(VARIABLE + " names " + named + ", which is not an executable file");
			}
			executable = Optional.of(path);
		}
		else {
			Path fetched = cacheFolder().resolve(NatsServer.BINARY);
			executable = (Files.isRegularFile(fetched) && Files.isExecutable(fetched)) ? Optional.of(fetched)
					: Runtimes.find(NatsServer.BINARY);
		}
		executable.ifPresent(ClusterBinary::requireMinimum);
		return executable;
	}

	/** Where {@code .ci/nats-server-for-clusters} puts the binary: {@code $XDG_CACHE_HOME/dlock/nats-server-cluster}. */
	static Path cacheFolder() {
		String cache = System.getenv("XDG_CACHE_HOME");
		Path base = (cache != null && !cache.isBlank()) ? Path.of(cache)
				: Path.of(System.getProperty("user.home"), ".cache");
		return base.resolve("dlock").resolve("nats-server-cluster");
	}

	private static void requireMinimum(Path executable) {
		if (CHECKED.contains(executable)) {
			return; // each member of each cluster would otherwise run it again
		}
		String version = version(executable);
		if (ServerVersion.isOlder(version, MINIMUM)) {
			throw new IllegalStateException(executable + " is nats-server " + version + "; NATS cluster tests need "
					+ MINIMUM + " or later, the first that serialises revision-checked writes in a replicated stream "
					+ "(nats-server issue #4320). Run .ci/nats-server-for-clusters (it fetches Debian 13's nats-server "
					+ "into " + cacheFolder() + ") or name a newer executable in " + VARIABLE);
		}
		CHECKED.add(executable);
	}

	static String version(Path executable) {
		try {
			Process process = new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(10, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
			Matcher matcher = VERSION.matcher(output);
			if (!matcher.find()) {
				throw new IllegalStateException(executable + " --version printed no version: " + output.strip());
			}
			return matcher.group(1);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Running " + executable + " --version failed: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while asking " + executable + " for its version", ex);
		}
	}

}
