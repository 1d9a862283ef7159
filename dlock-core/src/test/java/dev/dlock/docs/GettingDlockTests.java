package dev.dlock.docs;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the README's "Getting dlock" section against the build: the coordinates of its
 * Maven and Gradle snippets, the install command, the BOM, and every dlock artifact and
 * version that the README and the docs name.
 */
class GettingDlockTests {

	private static final Path ROOT = Path.of("..");

	private static final Pattern GRADLE_COORDINATES = Pattern.compile("\\(\"([^:\"]+):([^:\"]+)(?::([^:\"]+))?\"\\)");

	private static final Pattern DLOCK_COORDINATES = Pattern.compile("dev\\.dlock:([a-z-]+)(?::([0-9A-Za-z.-]+))?");

	private static final Pattern DLOCK_XML = Pattern
		.compile("<groupId>dev\\.dlock</groupId>\\s*<artifactId>([^<]+)</artifactId>(?:\\s*<version>([^<]+)</version>)?");

	@Test
	void mavenSnippetImportsTheBomAndAddsTheStarterAndTheTestedClientsWithoutOtherVersions() throws Exception {
		Element snippet = xml("<snippet>" + block(gettingDlock(), "xml") + "</snippet>");
		Element bom = children(child(child(snippet, "dependencyManagement"), "dependencies"), "dependency").get(0);
		assertThat(coordinates(bom)).isEqualTo("dev.dlock:dlock-bom:" + version() + ":pom:import");
		List<String> dependencies = children(child(snippet, "dependencies"), "dependency").stream()
			.map(GettingDlockTests::coordinates)
			.toList();
		assertThat(dependencies).containsExactly("dev.dlock:dlock-spring-boot-starter",
				"org.springframework.boot:spring-boot-starter-data-redis", "io.etcd:jetcd-core:" + property("jetcd.version"),
				"io.nats:jnats:" + property("jnats.version"));
	}

	@Test
	void gradleSnippetHasTheSameCoordinates() throws Exception {
		List<String> coordinates = new ArrayList<>();
		Matcher matcher = GRADLE_COORDINATES.matcher(block(gettingDlock(), "kotlin"));
		while (matcher.find()) {
			coordinates.add(matcher.group(1) + ":" + matcher.group(2)
					+ ((matcher.group(3) != null) ? ":" + matcher.group(3) : ""));
		}
		assertThat(coordinates).containsExactly("dev.dlock:dlock-bom:" + version(), "dev.dlock:dlock-spring-boot-starter",
				"org.springframework.boot:spring-boot-starter-data-redis", "io.etcd:jetcd-core:" + property("jetcd.version"),
				"io.nats:jnats:" + property("jnats.version"));
		assertThat(block(gettingDlock(), "kotlin")).contains("implementation(platform(\"dev.dlock:dlock-bom:");
	}

	@Test
	void installCommandInstallsEveryModule() throws Exception {
		assertThat(block(gettingDlock(), "bash")).isEqualTo("./mvnw -B -DskipTests install");
		assertThat(rootPom().getDocumentElement().getElementsByTagName("module").getLength()).isPositive();
	}

	@Test
	void bomListsEveryPublishedModuleAtTheProjectVersion() throws Exception {
		Element bom = pom("dlock-bom").getDocumentElement();
		assertThat(text(child(bom, "parent"), "version")).isEqualTo(version());
		List<Element> entries = children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency");
		assertThat(entries).allSatisfy((entry) -> {
			assertThat(text(entry, "groupId")).isEqualTo("dev.dlock");
			assertThat(text(entry, "version")).isEqualTo("${project.version}");
		});
		assertThat(entries.stream().map((entry) -> text(entry, "artifactId")))
			.containsExactlyInAnyOrderElementsOf(publishedModules());
	}

	@Test
	void everyDlockArtifactNamedInTheReadmeAndTheDocsIsPublishedAtTheProjectVersion() throws Exception {
		Set<String> published = new LinkedHashSet<>(bomArtifacts());
		published.add("dlock-bom");
		List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md")));
		try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
			docs.filter((path) -> path.toString().endsWith(".md")).forEach(documents::add);
		}
		int named = 0;
		for (Path document : documents) {
			String text = Files.readString(document);
			for (Pattern pattern : List.of(DLOCK_COORDINATES, DLOCK_XML)) {
				Matcher matcher = pattern.matcher(text);
				while (matcher.find()) {
					named++;
					assertThat(published).as("%s names %s", document, matcher.group()).contains(matcher.group(1));
					if (matcher.group(2) != null) {
						assertThat(matcher.group(2)).as("%s names %s", document, matcher.group()).isEqualTo(version());
					}
				}
			}
		}
		assertThat(named).isGreaterThan(5);
	}

	/** The modules of the build that are deployed: all but those that skip deployment. */
	private static List<String> publishedModules() throws Exception {
		List<String> published = new ArrayList<>();
		NodeList modules = rootPom().getDocumentElement().getElementsByTagName("module");
		for (int i = 0; i < modules.getLength(); i++) {
			String module = modules.item(i).getTextContent();
			Element pom = pom(module).getDocumentElement();
			Element properties = child(pom, "properties");
			boolean skipped = properties != null && "true".equals(text(properties, "maven.deploy.skip"));
			if (!skipped && !module.equals("dlock-bom")) {
				published.add(module);
			}
		}
		assertThat(published).contains("dlock-core", "dlock-spring-boot-starter");
		return published;
	}

	private static List<String> bomArtifacts() throws Exception {
		Element bom = pom("dlock-bom").getDocumentElement();
		return children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency").stream()
			.map((entry) -> text(entry, "artifactId"))
			.toList();
	}

	private static String gettingDlock() throws IOException {
		String readme = Files.readString(ROOT.resolve("README.md"));
		int start = readme.indexOf("\n## Getting dlock\n");
		assertThat(start).as("the README's Getting dlock section").isNotNegative();
		return readme.substring(start, readme.indexOf("\n## ", start + 1));
	}

	/** The only block of a language in a text, without its fences. */
	private static String block(String text, String language) {
		String fence = "```" + language + "\n";
		int start = text.indexOf(fence);
		assertThat(start).as("a %s block", language).isNotNegative();
		assertThat(text.indexOf(fence, start + 1)).as("a second %s block", language).isNegative();
		return text.substring(start + fence.length(), text.indexOf("\n```", start + fence.length()));
	}

	private static String version() throws Exception {
		return Objects.requireNonNull(text(rootPom().getDocumentElement(), "version"));
	}

	private static String property(String name) throws Exception {
		return Objects.requireNonNull(text(child(rootPom().getDocumentElement(), "properties"), name), name);
	}

	private static Document rootPom() throws Exception {
		return parse(ROOT.resolve("pom.xml"));
	}

	private static Document pom(String module) throws Exception {
		return parse(ROOT.resolve(module).resolve("pom.xml"));
	}

	private static Document parse(Path file) throws Exception {
		return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
	}

	private static Element xml(String text) throws Exception {
		return DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(new InputSource(new StringReader(text)))
			.getDocumentElement();
	}

	/** group:artifact, then :version, :type and :scope where given. */
	private static String coordinates(Element dependency) {
		return Stream.of("groupId", "artifactId", "version", "type", "scope")
			.map((name) -> text(dependency, name))
			.filter(Objects::nonNull)
			.collect(Collectors.joining(":"));
	}

	private static List<Element> children(@Nullable Element parent, String name) {
		List<Element> children = new ArrayList<>();
		if (parent == null) {
			return children;
		}
		for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
			if (node instanceof Element element && element.getTagName().equals(name)) {
				children.add(element);
			}
		}
		return children;
	}

	private static @Nullable Element child(@Nullable Element parent, String name) {
		if (parent == null) {
			return null;
		}
		List<Element> children = children(parent, name);
		return children.isEmpty() ? null : children.get(0);
	}

	private static @Nullable String text(@Nullable Element parent, String name) {
		Element child = child(parent, name);
		return (child != null) ? child.getTextContent().strip() : null;
	}

}
