package dev.dlock.testserver;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** How a test server's runtime is chosen, without starting one. */
class RuntimesTests {

	@Test
	void missingBinaryWithoutFallbackFailsNamingThePackageToInstall(@TempDir Path directory) {
		assertThatIllegalStateException()
			.isThrownBy(() -> Runtimes.create("dlock-no-such-server", "dlock-no-such-package", List.of(), directory,
					null))
			.withMessageContaining("dlock-no-such-server was not found on PATH")
			.withMessageEndingWith("Install it: apt-get install -y dlock-no-such-package");
	}

	@Test
	void binaryIsFoundOnPathOrInSbin(@TempDir Path directory) {
		assertThat(Runtimes.find("sh")).isPresent();
		assertThat(Runtimes.create("sh", "dash", List.of(), directory, null)).isInstanceOf(LocalProcess.class);
	}

	@Test
	void portsAreBelowTheEphemeralRangeAndNeverRepeat() {
		int first = Ports.free();
		int second = Ports.free();
		assertThat(first).isNotEqualTo(second);
		assertThat(List.of(first, second)).allSatisfy((port) -> assertThat(port).isBetween(10_000, Ports.ephemeralLow() - 1));
	}

}
