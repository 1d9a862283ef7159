package dev.dlock.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * What the run was measured on: hardware, JDK, server and library versions.
 */
final class Machine {

	private Machine() {
	}

	static Map<String, String> describe(Servers servers) {
		Map<String, String> facts = new LinkedHashMap<>();
		facts.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
		facts.put("CPU", cpuModel());
		facts.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
		facts.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
				+ System.getProperty("os.arch"));
		facts.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
		facts.put("Redis", call(servers::redisVersion));
		facts.put("etcd", call(servers::etcdVersion));
		facts.put("NATS", call(servers::natsVersion));
		facts.put("Lettuce", version(io.lettuce.core.RedisClient.class, "lettuce-core"));
		facts.put("jetcd", version(io.etcd.jetcd.Client.class, "jetcd-core"));
		facts.put("jnats", version(io.nats.client.Nats.class, "jnats"));
		facts.put("Redisson", version(org.redisson.Redisson.class, "redisson"));
		facts.put("Spring Integration",
				version(org.springframework.integration.redis.util.RedisLockRegistry.class, "spring-integration-redis"));
		facts.put("ShedLock",
				version(net.javacrumbs.shedlock.provider.redis.spring.RedisLockProvider.class, "shedlock-provider-redis-spring"));
		return facts;
	}

	private static String cpuModel() {
		try {
			return Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("?");
		}
		catch (IOException ex) {
			return "?";
		}
	}

	/**
	 * The version of the jar a class comes from: its file name ({@code artifact-1.2.3.jar},
	 * also inside the executable jar), else its manifest.
	 */
	static String version(Class<?> type, String artifact) {
		CodeSource source = type.getProtectionDomain().getCodeSource();
		if (source != null && source.getLocation() != null) {
			String version = versionFromJarName(source.getLocation().toString(), artifact);
			if (version != null) {
				return version;
			}
		}
		String manifest = type.getPackage().getImplementationVersion();
		return (manifest != null) ? manifest : "?";
	}

	static @Nullable String versionFromJarName(String location, String artifact) {
		Matcher matcher = Pattern.compile("(?:^|[/!])" + Pattern.quote(artifact) + "-(\\d[^/!]*?)\\.jar").matcher(location);
		return matcher.find() ? matcher.group(1) : null;
	}

	private static String call(Fact fact) {
		try {
			return fact.get();
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			return "? (" + ex.getMessage() + ")";
		}
	}

	@FunctionalInterface
	private interface Fact {

		String get() throws Exception;

	}

}
