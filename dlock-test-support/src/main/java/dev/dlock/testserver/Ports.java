package dev.dlock.testserver;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks free loopback ports for test servers. Ports come from below the kernel's ephemeral range, so the source
 * port of an outgoing connection (a client reconnecting while a server is down) never takes the port that a
 * restarted server needs back. A port is never handed out twice in one JVM.
 */
final class Ports {

	private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

	private static final Set<Integer> WELL_KNOWN = Set.of(2379, 2380, 4222, 6222, 6379, 8222);

	private static final int EPHEMERAL_LOW = ephemeralLow();

	private Ports() {
	}

	/** A loopback port that was free a moment ago and that this JVM has not handed out before. */
	static int free() {
		int high = EPHEMERAL_LOW;
		int low = Math.max(10_000, high - 12_000);
		for (int attempt = 0; attempt < 1_000; attempt++) {
			int port = (high > low) ? ThreadLocalRandom.current().nextInt(low, high) : 0;
			Integer bound = tryBind(port);
			if (bound != null && !WELL_KNOWN.contains(bound) && HANDED_OUT.add(bound)) {
				return bound;
			}
		}
		throw new IllegalStateException("No free loopback port found in [" + low + ", " + high + ")");
	}

	private static @org.jspecify.annotations.Nullable Integer tryBind(int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(false);
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			return null;
		}
	}

	static int ephemeralLow() {
		// Files.readString trusts the size that /proc reports and returns a truncated line: read it as a stream
		try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"),
				StandardCharsets.US_ASCII)) {
			String line = reader.readLine();
			int low = (line != null) ? Integer.parseInt(line.trim().split("\\s+")[0]) : 32768;
			return (low >= 16_000) ? low : 32768;
		}
		catch (IOException | RuntimeException ex) {
			return 32768;
		}
	}

}
