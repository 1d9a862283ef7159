package dev.dlock.docs;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import dev.dlock.autoconfigure.DlockAopAutoConfiguration;
import dev.dlock.autoconfigure.DlockAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Compiles the README's Spring Boot example exactly as shown, imports included, with the
 * {@code -parameters} flag that Spring Boot's build plugins set, and runs its guarded method
 * in an application on the in-memory backend.
 */
class ReadmeSpringExampleTests {

	/** The application's own type that the example takes. */
	private static final String ORDER = "record Order(long id) {\n}\n";

	@Test
	void exampleCompilesAndItsMethodRunsUnderItsLock(@TempDir Path directory) throws Exception {
		String example = ReadmeSnippets.load().blockAfter("## Spring Boot", "java");
		Path sources = Files.createDirectories(directory.resolve("src"));
		Path classes = Files.createDirectories(directory.resolve("classes"));
		Files.writeString(sources.resolve("Shipping.java"), example);
		Files.writeString(sources.resolve("Order.java"), ORDER);
		compile(List.of(sources.resolve("Shipping.java"), sources.resolve("Order.java")), classes);

		try (URLClassLoader loader = new URLClassLoader(new URL[] { classes.toUri().toURL() },
				getClass().getClassLoader())) {
			Class<?> shipping = loader.loadClass("Shipping");
			Class<?> order = loader.loadClass("Order");
			new ApplicationContextRunner().withClassLoader(loader)
				.withConfiguration(AutoConfigurations.of(DlockAutoConfiguration.class, DlockAopAutoConfiguration.class))
				.withPropertyValues("dlock.backend=memory")
				.withBean(shipping)
				.run((context) -> {
					Object bean = context.getBean(shipping);
					assertThat(AopUtils.isAopProxy(bean)).isTrue();
					Method ship = shipping.getMethod("ship", order);
					ship.setAccessible(true);
					Constructor<?> newOrder = order.getDeclaredConstructor(long.class);
					newOrder.setAccessible(true);
					Object anOrder = newOrder.newInstance(42L);
					// ship() reads its lock's handle, which it finds only while it runs under the lock
					assertThatNoException().isThrownBy(() -> ship.invoke(bean, anOrder));
				});
		}
	}

	private static void compile(List<Path> files, Path classes) throws IOException {
		JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
		StringWriter output = new StringWriter();
		try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(null, null, null)) {
			Iterable<? extends JavaFileObject> units = fileManager.getJavaFileObjectsFromPaths(files);
			List<String> options = List.of("-parameters", "--release", "17", "-d", classes.toString(), "-classpath",
					classPath());
			boolean compiled = compiler.getTask(output, fileManager, null, options, null, units).call();
			assertThat(compiled).as("the README's example compiles:%n%s", output).isTrue();
		}
		catch (UncheckedIOException ex) {
			throw ex.getCause();
		}
	}

	private static String classPath() {
		// surefire runs the tests from a manifest-only jar and hands the real class path here
		String testClassPath = System.getProperty("surefire.test.class.path");
		return (testClassPath != null) ? testClassPath : System.getProperty("java.class.path");
	}

}
